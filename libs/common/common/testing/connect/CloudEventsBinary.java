/*
 * A Kafka Connect transformation applied after Debezium's outbox event router
 * (io.debezium.transforms.outbox.EventRouter): it turns the router's record, whose value is the
 * outbox row's `envelope` (CloudEvents 1.0 structured JSON, as jsonb text), into the record the
 * platform's Python relay publishes (common.events.transport.KafkaBus.send_structured):
 *
 *   headers  ce_specversion, ce_id, ce_source, ce_type, ce_subject, ce_time, ce_schemaversion,
 *            content-type, then ce_correlationid / ce_causationid when present (the router's own
 *            headers are dropped);
 *   value    the envelope's `data`, encoded byte for byte as Python's
 *            json.dumps(data, separators=(",", ":"), sort_keys=True) encodes it (ASCII only,
 *            keys in code-point order, floats as Python's repr).
 *
 * Topic and key are the router's (the outbox's `topic` with the Kafka prefix, and `key`).
 * Written by hand for common.testing.debezium, which compiles it against the worker's jars.
 */
package housing.connect;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.transforms.Transformation;

public class CloudEventsBinary<R extends ConnectRecord<R>> implements Transformation<R> {

    private static final String HEARTBEAT_TOPICS = "__debezium-heartbeat";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

    @Override
    public R apply(R record) {
        Object value = record.value();
        if (value == null) {
            return record; // a tombstone: nothing to map
        }
        if (!(value instanceof String) && record.topic().startsWith(HEARTBEAT_TOPICS)) {
            // Debezium's heartbeat: dropped here (Connect still commits its offset, so the
            // slot's confirmed position moves on while the outbox is idle)
            return null;
        }
        JsonNode body;
        try {
            body = MAPPER.readTree(value.toString());
        } catch (Exception e) {
            throw new DataException("the outbox envelope is not JSON: " + e.getMessage(), e);
        }
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("ce_specversion", "1.0");
        headers.addString("ce_id", required(body, "id"));
        headers.addString("ce_source", required(body, "source"));
        headers.addString("ce_type", required(body, "type"));
        headers.addString("ce_subject", required(body, "subject"));
        headers.addString("ce_time", required(body, "time"));
        JsonNode schemaVersion = body.get("schemaversion");
        String version = schemaVersion == null || schemaVersion.isNull()
                ? "1" : schemaVersion.bigIntegerValue().toString();
        headers.addString("ce_schemaversion", version);
        headers.addString("content-type", "application/json");
        optional(headers, body, "correlationid", "ce_correlationid");
        optional(headers, body, "causationid", "ce_causationid");
        JsonNode data = body.get("data");
        if (data == null) {
            throw new DataException("the outbox envelope has no data");
        }
        StringBuilder out = new StringBuilder();
        write(data, out);
        byte[] bytes = out.toString().getBytes(StandardCharsets.US_ASCII);
        return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(),
                record.key(), Schema.BYTES_SCHEMA, bytes, record.timestamp(), headers);
    }

    private static String required(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || !node.isTextual()) {
            throw new DataException("the outbox envelope has no " + field);
        }
        return node.textValue();
    }

    private static void optional(ConnectHeaders headers, JsonNode body, String field, String header) {
        JsonNode node = body.get(field);
        if (node != null && node.isTextual() && !node.textValue().isEmpty()) {
            headers.addString(header, node.textValue());
        }
    }

    // --- Python's json.dumps(separators=(",", ":"), sort_keys=True, ensure_ascii=True) ---

    static void write(JsonNode node, StringBuilder out) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            names.sort(CloudEventsBinary::compareCodePoints);
            out.append('{');
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) out.append(',');
                string(names.get(i), out);
                out.append(':');
                write(node.get(names.get(i)), out);
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) out.append(',');
                write(node.get(i), out);
            }
            out.append(']');
        } else if (node.isTextual()) {
            string(node.textValue(), out);
        } else if (node.isBoolean()) {
            out.append(node.booleanValue() ? "true" : "false");
        } else if (node.isNull()) {
            out.append("null");
        } else if (node.isIntegralNumber()) {
            out.append(node.bigIntegerValue().toString());
        } else if (node.isNumber()) {
            out.append(pythonFloat(Double.parseDouble(node.decimalValue().toString())));
        } else {
            throw new DataException("unexpected JSON node " + node.getNodeType());
        }
    }

    static int compareCodePoints(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i), cb = b.codePointAt(j);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                case '\b': out.append("\\b"); break;
                case '\f': out.append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c)); // UTF-16 units, as Python
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }

    /** repr(float): the shortest digits that read back as the same double. */
    static String pythonFloat(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        if (d == 0.0) return (1.0 / d < 0) ? "-0.0" : "0.0";
        BigDecimal exact = new BigDecimal(d);
        BigDecimal shortest = exact;
        for (int precision = 1; precision <= 17; precision++) {
            BigDecimal candidate = exact.round(new MathContext(precision, RoundingMode.HALF_EVEN));
            if (Double.parseDouble(candidate.toString()) == d) {
                shortest = candidate;
                break;
            }
        }
        shortest = shortest.stripTrailingZeros();
        String digits = shortest.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - shortest.scale(); // of the first digit
        StringBuilder out = new StringBuilder(d < 0 ? "-" : "");
        if (exponent >= -4 && exponent < 16) {
            if (exponent >= 0) {
                if (digits.length() <= exponent + 1) {
                    out.append(digits).append("0".repeat(exponent + 1 - digits.length())).append(".0");
                } else {
                    out.append(digits, 0, exponent + 1).append('.').append(digits.substring(exponent + 1));
                }
            } else {
                out.append("0.").append("0".repeat(-exponent - 1)).append(digits);
            }
        } else {
            out.append(digits.charAt(0));
            if (digits.length() > 1) out.append('.').append(digits.substring(1));
            int magnitude = Math.abs(exponent);
            out.append('e').append(exponent < 0 ? '-' : '+');
            out.append(magnitude < 10 ? "0" : "").append(magnitude);
        }
        return out.toString();
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef();
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }

    @Override
    public void close() {
    }
}
