"""A second gRPC stack (Python grpcio) calling every service of a mig-agent.

Usage: grpc_probe.py ADDR CA [CERT KEY]

Calls grpc.health.v1.Health/Check and /Watch, server reflection v1 (raw
request bytes) and v1alpha (grpcio-reflection's own client) and
mig.v1.Migrator/ListDatabases, over TLS trusting CA, presenting CERT/KEY
when given. Prints one JSON object per call: its name, whether it
answered, the status code and how many response bytes or services came back.
"""

import json
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

TIMEOUT = 10


def channel(addr, ca, cert, key):
    creds = grpc.ssl_channel_credentials(
        root_certificates=open(ca, "rb").read(),
        private_key=open(key, "rb").read() if key else None,
        certificate_chain=open(cert, "rb").read() if cert else None,
    )
    options = [("grpc.ssl_target_name_override", "localhost")]
    return grpc.secure_channel(addr, creds, options=options)


def report(name, call):
    try:
        size = call()
        print(json.dumps({"call": name, "answered": True, "code": "OK", "size": size}))
    except grpc.RpcError as e:
        print(json.dumps({"call": name, "answered": False, "code": e.code().name, "details": e.details()}))
    except Exception as e:  # the v1alpha client wraps errors its own way
        cause = e.__cause__ or e.__context__
        code = cause.code().name if isinstance(cause, grpc.RpcError) else type(e).__name__
        print(json.dumps({"call": name, "answered": False, "code": code, "details": str(e)}))


def main():
    addr, ca = sys.argv[1], sys.argv[2]
    cert, key = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else (None, None)
    ch = channel(addr, ca, cert, key)
    health = health_pb2_grpc.HealthStub(ch)
    report("health.Check", lambda: len(health.Check(health_pb2.HealthCheckRequest(), timeout=TIMEOUT).SerializeToString()))

    def watch():
        stream = health.Watch(health_pb2.HealthCheckRequest(), timeout=TIMEOUT)
        first = next(stream)
        stream.cancel()
        return len(first.SerializeToString())

    report("health.Watch", watch)

    # ServerReflectionRequest { list_services = "" } (field 7), as raw bytes.
    v1 = ch.stream_stream(
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        request_serializer=None,
        response_deserializer=None,
    )
    report("reflection.v1", lambda: len(next(v1(iter([b"\x3a\x00"]), timeout=TIMEOUT))))
    db = ProtoReflectionDescriptorDatabase(ch)
    report("reflection.v1alpha", lambda: len(db.get_services()))
    list_databases = ch.unary_unary(
        "/mig.v1.Migrator/ListDatabases",
        request_serializer=None,
        response_deserializer=None,
    )
    report("mig.ListDatabases", lambda: len(list_databases(b"", timeout=TIMEOUT)))


if __name__ == "__main__":
    main()
