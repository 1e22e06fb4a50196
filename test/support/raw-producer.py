"""An independent partner's producer (Debian's python3-confluent-kafka, librdkafka) for tests that
need record batches kafkajs cannot write: Snappy, LZ4, ZSTD and gzip compression, and bombs.

Reads one JSON object on stdin:
  {"brokers": "127.0.0.1:19192", "topic": "...", "compression": "snappy",
   "records": [{"key": base64 | null, "value": base64, "headers": {name: base64}} | {"zeros": N}]}
and writes every record in one batch, then prints one JSON line: {"delivered": n, "errors": [...]}.
"""
import base64
import json
import sys

from confluent_kafka import Producer

spec = json.load(sys.stdin)
producer = Producer({
    "bootstrap.servers": spec["brokers"],
    "compression.type": spec.get("compression", "none"),
    "enable.idempotence": False,
    "linger.ms": 200,
    "batch.num.messages": 10000,
    # A bomb is checked by the broker against max.message.bytes compressed; let it through here.
    "message.max.bytes": 1000000000,
    "batch.size": 1000000000,
})
delivered = []
errors = []


def report(err, msg):
    if err is not None:
        errors.append(str(err))
    else:
        delivered.append(msg.offset())


for r in spec["records"]:
    if "zeros" in r:
        value = bytes(r["zeros"])
        key = b"bomb"
        headers = []
    else:
        value = base64.b64decode(r["value"])
        key = base64.b64decode(r["key"]) if r.get("key") is not None else None
        headers = [(k, base64.b64decode(v)) for k, v in r.get("headers", {}).items()]
    producer.produce(spec["topic"], value=value, key=key, headers=headers, on_delivery=report)
producer.flush(60)
print(json.dumps({"delivered": len(delivered), "offsets": delivered, "errors": errors}))
