"""A FedPilot site client in Python, generated from federation.proto only (no C++ code).

Proves the proto is the contract (issue 4): against a coordinator started with fedpilot-cli it
enrolls (one-time code + PKCS#10 CSR made with the openssl command), then over mutual TLS calls
Hello, Heartbeat, PollTask (EVALUATE for round 0, then TRAIN for round 1), downloads the model
and public representations with DownloadModel (checking every chunk's and the artifact's SHA-256,
and a resumed download), and reports a baseline. Negative checks: a reused enrollment code, a
call without a client certificate and one with a certificate from a foreign CA are refused.

Run by run_python_client.sh (which generates the code into --gen). Exit 0 = pass, 1 = fail.
"""

import argparse
import ctypes
import hashlib
import json
import math
import os
import signal
import subprocess
import sys
import time

PROTOCOL_VERSION = 1                      # kProtocolVersion (core/federation/Protocol.h)
SERVER_NAME = "fedpilot-coordinator"      # the name in the coordinator's certificate
SITE = "interop-py"
PILOT = "interop"

# A tiny pilot: the coordinator is ready within seconds (no pretraining, few synthetic faces).
PILOT_CONFIG = {
    "name": PILOT, "strategy": "adafedfr", "input_size": 32, "embedding_size": 64, "rounds": 1,
    "min_sites": 1, "wait_after_min_s": 0, "round_timeout_s": 120, "linger_s": 1,
    "heartbeat_interval_ms": 1000, "poll_wait_ms": 2000,
    "public": {"identities": 6, "images_per_identity": 4, "eval_identities": 6,
               "eval_images_per_identity": 4, "pretrain_epochs": 0},
}

failures = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what, flush=True)
    if not condition:
        failures.append(what)
    return condition


def run(args, **kw):
    return subprocess.run(args, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, **kw)


def die_with_parent():
    # The coordinator gets SIGTERM if this process dies (even SIGKILLed by a ctest timeout).
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def make_key_and_csr(folder, stem, cn):
    """EC P-256 key + PKCS#10 request with CN = the site name (what the C++ site does)."""
    key, csr = os.path.join(folder, stem + ".key"), os.path.join(folder, stem + ".csr")
    run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + cn, "-sha256"])
    os.chmod(key, 0o600)
    return key, csr


def read(path):
    with open(path, "rb") as f:
        return f.read()


def start_coordinator(cli, work):
    coord = os.path.join(work, "coordinator")
    with open(os.path.join(work, "pilot.json"), "w") as f:
        json.dump(PILOT_CONFIG, f)
    init = json.loads(run([cli, "coordinator", "init", "--dir", coord, "--config",
                           os.path.join(work, "pilot.json"), "--json"]).stdout)
    code = json.loads(run([cli, "coordinator", "enroll-code", "--dir", coord, "--site", SITE,
                           "--json"]).stdout)["code"]
    port_file = os.path.join(work, "port")
    log = open(os.path.join(work, "coordinator.log"), "wb")
    proc = subprocess.Popen([cli, "coordinator", "run", "--dir", coord, "--listen", "127.0.0.1:0",
                             "--port-file", port_file], stdout=log, stderr=subprocess.STDOUT,
                            preexec_fn=die_with_parent)
    deadline = time.monotonic() + 45
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the coordinator did not start listening (see coordinator.log)")
        time.sleep(0.1)
    port = int(read(port_file))
    return proc, "127.0.0.1:%d" % port, init["ca"], code


def stop_coordinator(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def channel(grpc, address, ca_pem, key_pem=None, cert_pem=None):
    creds = grpc.ssl_channel_credentials(root_certificates=ca_pem, private_key=key_pem,
                                         certificate_chain=cert_pem)
    # The server certificate names fedpilot-coordinator, not the address dialled.
    return grpc.secure_channel(address, creds, options=[
        ("grpc.ssl_target_name_override", SERVER_NAME),
        ("grpc.max_receive_message_length", 2 * 1024 * 1024)])


def download(pb, stub, round_, kind, for_round, offset=0, max_chunk=0):
    """Concatenates a DownloadModel stream, checking offsets and every chunk's SHA-256."""
    data, chunks, good, last, total, artifact = b"", 0, True, False, None, None
    request = pb.DownloadRequest(protocol_version=PROTOCOL_VERSION, round=round_, kind=kind,
                                 offset=offset, max_chunk_bytes=max_chunk, for_round=for_round)
    for chunk in stub.DownloadModel(request, timeout=60):
        chunks += 1
        good &= chunk.offset == offset + len(data)
        good &= hashlib.sha256(chunk.data).digest() == chunk.sha256   # raw 32 bytes
        good &= not last                                               # nothing after `last`
        total, artifact, last = chunk.total_bytes, chunk.artifact_sha256, chunk.last
        data += chunk.data
    return data, chunks, good and last, total, artifact


def check_artifact(artifact, kind):
    return (artifact.kind == kind and len(artifact.sha256) == 64
            and all(c in "0123456789abcdef" for c in artifact.sha256)
            and artifact.bytes > 0 and artifact.raw_bytes > 0)


def client(args, address, ca_path, code):
    sys.path.insert(0, args.gen)
    import grpc
    from fedpilot.v1 import federation_pb2 as pb
    from fedpilot.v1 import federation_pb2_grpc as pb_grpc

    work = args.work
    # Keys and requests first (no process is forked once gRPC runs).
    key_path, csr_path = make_key_and_csr(work, "site", SITE)
    _, csr2_path = make_key_and_csr(work, "again", SITE)
    mkey_path, _ = make_key_and_csr(work, "mallory", SITE)
    run(["openssl", "req", "-x509", "-key", mkey_path, "-subj", "/CN=" + SITE, "-days", "1",
         "-out", os.path.join(work, "mallory.pem")])
    ca_pem, key_pem = read(ca_path), read(key_path)

    # 1. Enroll: no client certificate; the coordinator is trusted through the pilot's CA only.
    anonymous = pb_grpc.FederationStub(channel(grpc, address, ca_pem))
    info = pb.SiteInfo(organization="interop", contact="ci", hardware_json='{"cpu":"any"}',
                       software_version="python-interop")
    enroll = anonymous.Enroll(pb.EnrollRequest(protocol_version=PROTOCOL_VERSION, site_name=SITE,
                                               code=code, csr_pem=read(csr_path), info=info),
                              timeout=15, wait_for_ready=True)
    check(enroll.ok and not enroll.error, "Enroll with a fresh code succeeds (%s)" % enroll.error)
    check(enroll.protocol_version == PROTOCOL_VERSION, "EnrollResponse carries protocol_version 1")
    check(enroll.certificate_pem.startswith(b"-----BEGIN CERTIFICATE-----"), "a PEM certificate comes back")
    check(enroll.ca_certificate_pem.strip() == ca_pem.strip(), "the returned CA is the pilot's CA (ca.pem)")
    check(len(enroll.certificate_serial) >= 16 and all(c in "0123456789abcdefABCDEF" for c in enroll.certificate_serial),
          "certificate_serial is hex (%s)" % enroll.certificate_serial)
    cert_path = os.path.join(work, "site.pem")
    with open(cert_path, "wb") as f:
        f.write(enroll.certificate_pem)

    # 3a. The same code a second time is refused (in-band: ok = false, no certificate).
    again = anonymous.Enroll(pb.EnrollRequest(protocol_version=PROTOCOL_VERSION, site_name=SITE,
                                              code=code, csr_pem=read(csr2_path)), timeout=15)
    check(not again.ok and again.error and not again.certificate_pem,
          "reusing the enrollment code is refused (%s)" % again.error)

    # 3b. A call without a client certificate is refused with UNAUTHENTICATED.
    try:
        anonymous.Hello(pb.HelloRequest(protocol_version=PROTOCOL_VERSION, min_protocol_version=1), timeout=15)
        check(False, "Hello without a client certificate is refused")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.UNAUTHENTICATED,
              "Hello without a client certificate is refused: %s %s" % (e.code(), e.details()))

    # 3c. A certificate from another CA (self-signed, CN = the site's name) is refused too.
    mallory = pb_grpc.FederationStub(channel(grpc, address, ca_pem, read(mkey_path),
                                             read(os.path.join(work, "mallory.pem"))))
    try:
        mallory.PollTask(pb.PollTaskRequest(protocol_version=PROTOCOL_VERSION, wait_ms=100), timeout=15)
        check(False, "PollTask with a foreign certificate is refused")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.UNAUTHENTICATED,
              "PollTask with a foreign certificate is refused: %s %s" % (e.code(), e.details()))

    # 2. Mutual TLS with the issued certificate.
    site = pb_grpc.FederationStub(channel(grpc, address, ca_pem, key_pem, enroll.certificate_pem))
    hello = site.Hello(pb.HelloRequest(protocol_version=PROTOCOL_VERSION, min_protocol_version=PROTOCOL_VERSION,
                                       software_version="python-interop", capabilities=["resume"], info=info),
                       timeout=15)
    check(hello.ok, "Hello over mutual TLS (%s)" % hello.error)
    check(hello.pilot_name == PILOT, "Hello: pilot name '%s'" % hello.pilot_name)
    check(hello.site_name == SITE, "Hello: site name from the certificate '%s'" % hello.site_name)
    check(hello.total_rounds == 1 and hello.completed_rounds == 0,
          "Hello: rounds %d/%d" % (hello.completed_rounds, hello.total_rounds))
    check(hello.heartbeat_interval_ms == 1000 and hello.max_poll_wait_ms == 2000,
          "Hello: heartbeat %d ms, poll wait %d ms" % (hello.heartbeat_interval_ms, hello.max_poll_wait_ms))
    check(0 < hello.chunk_bytes <= 1024 * 1024 and hello.max_update_bytes > 0, "Hello: chunk and update limits")

    beat = site.Heartbeat(pb.HeartbeatRequest(protocol_version=PROTOCOL_VERSION, state="idle"), timeout=15)
    check(beat.ok and not beat.cancel_task, "Heartbeat (idle)")

    # A fresh site has no baseline yet: the first task is EVALUATE of the round-0 model.
    task = site.PollTask(pb.PollTaskRequest(protocol_version=PROTOCOL_VERSION, wait_ms=2000, baseline_done=False),
                         timeout=20)
    check(task.type == pb.Task.EVALUATE and task.round == 0 and task.pilot_name == PILOT,
          "PollTask: EVALUATE round 0 (got %s round %d)" % (pb.Task.Type.Name(task.type), task.round))
    check(check_artifact(task.model, "model"), "EVALUATE: model artifact with sha256 %s, %d bytes"
          % (task.model.sha256, task.model.bytes))

    # 4. DownloadModel: every chunk's SHA-256, the artifact's SHA-256 and size.
    data, chunks, good, total, artifact = download(pb, site, 0, "model", 0)
    check(good and chunks >= 1, "DownloadModel: %d chunks, contiguous, each chunk's sha256 verifies" % chunks)
    check(len(data) == total == task.model.bytes, "DownloadModel: %d bytes as announced" % len(data))
    check(hashlib.sha256(data).hexdigest() == artifact == task.model.sha256,
          "DownloadModel: artifact_sha256 and hashlib agree with the task")
    # A resumed download (offset) with small chunks gives the same tail.
    half = len(data) // 2
    tail, chunks, good, total, _ = download(pb, site, 0, "model", 0, offset=half, max_chunk=16 * 1024)
    check(good and tail == data[half:] and total == len(data),
          "DownloadModel resumed at offset %d: %d chunks of <= 16 KiB" % (half, chunks))

    # Metrics in, and a non-finite value is refused in-band.
    verification = pb.Verification(accuracy=0.5, auc=0.5, eer=0.5, tar_far_1e3=0.0, genuine_pairs=1, impostor_pairs=1)
    ack = site.ReportMetrics(pb.MetricsReport(protocol_version=PROTOCOL_VERSION, round=0, kind="baseline",
                                              generic=verification, personalized=verification, samples=8,
                                              device="python", extra_json="{}"), timeout=15)
    check(ack.ok, "ReportMetrics baseline accepted (%s)" % ack.error)
    bad = site.ReportMetrics(pb.MetricsReport(protocol_version=PROTOCOL_VERSION, round=0, kind="baseline",
                                              loss=math.nan), timeout=15)
    check(not bad.ok and bad.error, "ReportMetrics with NaN refused (%s)" % bad.error)

    # With the baseline done, the site gets round 1 to train (after WAITs while the round opens).
    deadline = time.monotonic() + 30
    waits = 0
    while True:
        task = site.PollTask(pb.PollTaskRequest(protocol_version=PROTOCOL_VERSION, wait_ms=2000, baseline_done=True),
                             timeout=20)
        if task.type != pb.Task.WAIT or time.monotonic() > deadline:
            break
        waits += 1
    check(task.type == pb.Task.TRAIN and task.round == 1 and task.attempt >= 1,
          "PollTask: TRAIN round 1 after %d WAIT (got %s round %d attempt %d)"
          % (waits, pb.Task.Type.Name(task.type), task.round, task.attempt))
    check(check_artifact(task.model, "model") and task.model.sha256 == hashlib.sha256(data).hexdigest(),
          "TRAIN: model = the round-0 model just downloaded")
    check(check_artifact(task.public_reps, "public_reps"), "TRAIN: public_reps artifact (adafedfr)")
    s = task.settings
    check(s.strategy == "adafedfr" and s.input_size == 32 and s.embedding_size == 64 and s.epochs >= 1
          and s.batch_size > 0 and s.learning_rate > 0 and s.head in ("cosface", "arcface")
          and s.upload_encoding and s.upload_compression,
          "TRAIN: settings %s/%s %dpx emb %d, %d epochs, upload %s+%s"
          % (s.strategy, s.backbone, s.input_size, s.embedding_size, s.epochs, s.upload_encoding, s.upload_compression))
    now_ms = int(time.time() * 1000)
    check(now_ms < task.deadline_unix_ms < now_ms + 200 * 1000, "TRAIN: upload deadline within round_timeout_s")
    reps, chunks, good, total, artifact = download(pb, site, 1, "public_reps", 1)
    check(good and len(reps) == total == task.public_reps.bytes
          and hashlib.sha256(reps).hexdigest() == artifact == task.public_reps.sha256,
          "DownloadModel public_reps round 1: %d bytes, sha256 verifies" % len(reps))
    beat = site.Heartbeat(pb.HeartbeatRequest(protocol_version=PROTOCOL_VERSION, state="training", round=1,
                                              progress=0.1), timeout=15)
    check(beat.ok and not beat.cancel_task, "Heartbeat (training round 1): no cancel")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--gen", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    # SIGTERM (ctest timeout, Ctrl-C) still runs the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))
    started = time.monotonic()
    proc = None
    try:
        proc, address, ca_path, code = start_coordinator(args.cli, args.work)
        print("coordinator on %s after %.1f s" % (address, time.monotonic() - started), flush=True)
        client(args, address, ca_path, code)
    except Exception as e:  # noqa: BLE001 - any error is a failure with its reason
        failures.append("%s: %s" % (type(e).__name__, e))
        print("FAIL  %s: %s" % (type(e).__name__, e), flush=True)
    finally:
        stop_coordinator(proc)
    if failures:
        log = os.path.join(args.work, "coordinator.log")
        if os.path.exists(log):
            print("---- coordinator.log (tail) ----")
            print(read(log).decode(errors="replace")[-4000:])
        print("%d check(s) failed in %.1f s" % (len(failures), time.monotonic() - started))
        return 1
    print("all checks passed in %.1f s" % (time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
