import json
import random

from common.problems import json_nesting_depth, json_pointer


class TestJsonNestingDepth:
    def test_flat_document(self):
        assert json_nesting_depth(b'{"a": 1}') == 1

    def test_nested_arrays_and_objects(self):
        assert json_nesting_depth(b'{"a": [{"b": [1, 2]}]}') == 4

    def test_brackets_in_strings_are_ignored(self):
        assert json_nesting_depth(b'{"a": "[[[{{{", "b": "\\"[["}') == 1

    def test_a_string_ending_in_a_backslash_still_ends(self):
        # "x\\" is x and one backslash: the quote after it closes the string
        assert json_nesting_depth(b'{"a": "x\\\\", "b": [[1]], "c": "\\\\\\"[[["}') == 3

    def test_the_depth_agrees_with_the_parser_on_escaped_strings(self):
        document = {"a": ["\\", '\\"[{', {"b": ["]]}}\\"]}], "c": '"\\"'}
        assert json_nesting_depth(json.dumps(document).encode()) == 4

    def test_scalar_has_no_depth(self):
        assert json_nesting_depth(b'"just a string"') == 0

    def test_empty_strings_next_to_strings_with_brackets(self):
        # adjacent quotes of neighbouring strings are dropped as pairs: "[[" stays inside one
        assert json_nesting_depth(b'["", "[[", "", {"": ""}, "]]{", ""]') == 2
        assert json_nesting_depth(b'{"a":"","b":"[","c":"","d":[[""]]}') == 3

    def test_hostile_depth_is_measured_quickly(self):
        assert json_nesting_depth(b"[" * 200_000 + b"]" * 200_000) == 200_000
        hostile = b'["",' * 100_000 + b'"]]]"' + b"]" * 100_000
        assert json_nesting_depth(hostile) == 100_000

    def test_the_depth_agrees_with_the_parser_on_random_documents(self):
        rng = random.Random(17)
        alphabet = '[]{}"\\ax'

        def text() -> str:
            return "".join(rng.choice(alphabet) for _ in range(rng.randrange(4)))

        def document(depth: int) -> tuple[object, int]:
            if depth == 0 or rng.random() < 0.3:
                return text(), 0
            children = [document(depth - 1) for _ in range(rng.randrange(4))]
            deepest = 1 + max((d for _, d in children), default=0)
            if rng.random() < 0.5:
                return [c for c, _ in children], deepest
            return {text() + str(i): c for i, (c, _) in enumerate(children)}, deepest

        for _ in range(300):
            value, depth = document(6)
            encoded = json.dumps(value, ensure_ascii=rng.random() < 0.5).encode()
            assert json_nesting_depth(encoded) == depth, encoded


class TestJsonPointer:
    def test_path_of_keys_and_indexes(self):
        assert json_pointer(["leases", 0, "rent"]) == "#/leases/0/rent"

    def test_escapes_slash_and_tilde(self):
        assert json_pointer(["a/b", "c~d"]) == "#/a~1b/c~0d"
