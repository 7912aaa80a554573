"""Reads the NDJSON report of a schemathesis run and prints every error
(schemathesis could not test an operation: a schema it cannot generate
from, a network error, a hook that failed) and every failing check,
grouped by operation, check and answer, with one request that shows it
(secrets are already filtered by schemathesis). Exits 1 if there is an
error, if the run did not finish, or if a failure is of one of the checks
named by --fail-on (all when "all"), else 0.

Usage: findings.py REPORT.ndjson --fail-on all|CHECK[,CHECK…]"""

import argparse
import base64
import collections
import json
import sys
import urllib.parse


def body_text(part):
    if not part:
        return ""
    if "$base64" in part:
        raw = base64.b64decode(part["$base64"])
        return raw.decode("utf-8", "replace")
    return part.get("string", "")


def error_of(content):
    """(code, message) of an error envelope, or the start of another body."""
    try:
        error = json.loads(content)["error"]
        return error["code"], error.get("message", "")
    except (ValueError, KeyError, TypeError):
        return content[:60].replace("\n", " ") or "(empty body)", ""


def errors(path):
    """[(operation or None, kind, message)] of every error event, and
    whether the engine finished."""
    found, finished = [], False
    with open(path) as f:
        for line in f:
            event = json.loads(line)
            finished |= "EngineFinished" in event
            for kind in ("NonFatalError", "FatalError"):
                if kind in event:
                    error = event[kind]
                    value = error.get("value") or error.get("exception") or {}
                    if not isinstance(value, dict):
                        value = {"message": str(value)}
                    found.append((error.get("label"), value.get("type", kind), value.get("message", "")))
    return found, finished


def findings(path):
    """(operation, check, status, code) -> [count, {message: example request}, title, description]"""
    found = collections.OrderedDict()
    with open(path) as f:
        for line in f:
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            recorder = finished["recorder"]
            for case_id, checks in recorder.get("checks", {}).items():
                failed = [c for c in checks if c["status"] == "failure"]
                if not failed:
                    continue
                interaction = recorder.get("interactions", {}).get(case_id)
                case = recorder.get("cases", {}).get(case_id, {}).get("value", {})
                if interaction and interaction.get("response"):
                    response = interaction["response"]
                    status = response["status_code"]
                    code, message = error_of(body_text(response.get("content")))
                    request = interaction["request"]
                    target = urllib.parse.unquote(request["uri"].split("/", 3)[-1])
                    sent = f"{request['method']} /{target}"
                    payload = body_text(request.get("body"))
                    if payload:
                        sent += f" body={payload[:120]}"
                else:
                    status, code, message = "-", "no response", ""
                    sent = json.dumps(case)[:200]
                for check in failed:
                    info = check.get("failure_info", {}).get("failure", {})
                    key = (recorder["label"], check["name"], status, code)
                    description = case.get("meta", {}).get("phase", {}).get("data", {}).get("description", "")
                    entry = found.setdefault(key, [0, {}, info.get("title", ""), description])
                    entry[0] += 1
                    # A check of hooks.py says what it sent and saw in its own message.
                    custom = info.get("title", "").startswith("Custom check")
                    detail = info.get("message", "") if custom else message[:110]
                    entry[1].setdefault(detail, sent)
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("--fail-on", default="all")
    args = parser.parse_args()
    fail_on = None if args.fail_on == "all" else set(args.fail_on.split(","))
    failed, finished = errors(args.report)
    for operation, kind, message in failed:
        lines = [line for line in message.splitlines() if line.strip()]
        print(f"ERROR {operation or 'the run'}: {kind}")
        for line in lines[:8]:
            print(f"     {line}")
    if not finished:
        print("ERROR the run: schemathesis did not finish")
    found = findings(args.report)
    gating = len(failed) + (not finished)
    for (operation, check, status, code), (count, examples, title, description) in found.items():
        gate = fail_on is None or check in fail_on
        gating += count if gate else 0
        mark = "FAIL" if gate else "note"
        print(f"{mark} {operation}: {check} ({title}) — {count} case(s) answered {status} {code}")
        for message, sent in list(examples.items())[:4]:
            print(f"     {sent}")
            if message:
                print(f"       -> {message}")
        if description:
            print(f"     ({description.splitlines()[0]})")
    print(f"contract: {len(failed)} error(s), {sum(v[0] for v in found.values())} failing case(s) in "
          f"{len(found)} finding(s); {gating} of them failing the run")
    return 1 if gating else 0


if __name__ == "__main__":
    sys.exit(main())
