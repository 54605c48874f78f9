"""The event backbone: envelopes, contracts, the outbox, the relay, consumers, transports."""
