#!/usr/bin/python3
# A client of org.berth1 written with python3-dbus, as a desktop program would be (used by
# tests/integration/dbus-api.sh inside the nspawn container):
#   dbus-client.py pull REF [OPTION...]   follows PullImage's transfer to its end: prints each
#                                         LogMessage, each ProgressUpdate and "result RESULT"
#   dbus-client.py import FILE NAME       ImportImage from an open file, the same way
#   dbus-client.py build DIR TAG [OPTION...]  BuildImage from the directory DIR, followed the same way
#   dbus-client.py flood N                sends N calls of every kind at once without waiting, and
#                                         leaves once half of them were answered
#   dbus-client.py fuzz N SEED [SKIP...]  N calls of the Manager's methods (all but SKIP) with random
#                                         and absurd values, sometimes of the wrong types; prints
#                                         how many were answered with an error
#   dbus-client.py logs NAME              prints what ContainerLogs(NAME) gives to read
#   dbus-client.py follow NAME SECONDS    ContainerLogsWithFlags(NAME, follow): prints the lines as
#                                         they come until EOF, or leaves after SECONDS ("left")
#   dbus-client.py exec NAME [-t] [--input=TEXT] [--env=K=V] [--workdir=DIR] [--user=U] -- CMD...
#                                         Exec(): writes TEXT to its stdin, prints what comes out
#                                         ("out ...", "err ..."; with -t the terminal's "tty ...")
#                                         and ExecWait()'s "status N"
#   dbus-client.py states NAME IMAGE CMD  runs a container and prints every State announced in
#                                         PropertiesChanged until it is "exited"
import os
import sys

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.SystemBus()
manager = dbus.Interface(bus.get_object("org.berth1", "/org/berth1"), "org.berth1.Manager")
loop = GLib.MainLoop()
GLib.timeout_add_seconds(60, lambda: (print("timeout"), loop.quit()))
mine = {}


def follow_transfer(start):
    """Subscribes before the call, so no signal of the transfer can be missed."""

    def on_log(priority, line, path=None):
        if path == mine.get("path"):
            print("log", line, flush=True)

    def on_progress(progress, path=None):
        if path == mine.get("path"):
            print("progress %.2f" % progress, flush=True)

    def on_removed(tid, path, result):
        if path == mine.get("path"):
            print("result", result, flush=True)
            loop.quit()

    bus.add_signal_receiver(on_log, "LogMessage", "org.berth1.Transfer", "org.berth1", path_keyword="path")
    bus.add_signal_receiver(on_progress, "ProgressUpdate", "org.berth1.Transfer", "org.berth1", path_keyword="path")
    bus.add_signal_receiver(on_removed, "TransferRemoved", "org.berth1.Manager", "org.berth1")
    tid, path = start()
    mine["path"] = path
    print("transfer", int(tid), path, flush=True)
    loop.run()


def states(name, image, cmd):
    seen = []

    def on_changed(iface, changed, invalidated, path=None):
        if path != mine.get("path") or "State" not in changed:
            return
        state = str(changed["State"])
        if not seen or seen[-1] != state:
            seen.append(state)
            print("state", state, flush=True)
        if state == "exited" and "running" in seen:
            loop.quit()

    mine["path"] = "/org/berth1/container/" + name.replace("-", "_2d")
    bus.add_signal_receiver(on_changed, "PropertiesChanged", "org.freedesktop.DBus.Properties", "org.berth1",
                            path_keyword="path")
    # RunContainer answers once the container runs; the signals before that come in meanwhile.
    manager.RunContainer(name, image, cmd.split(), dbus.Array([], signature="s"), dbus.Dictionary({}, signature="sv"),
                         reply_handler=lambda path: print("running", path, flush=True),
                         error_handler=lambda e: (print("error", e, flush=True), loop.quit()), timeout=60)
    loop.run()


def flood(n):
    answered = [0]

    def done(*args):
        answered[0] += 1
        if answered[0] >= n // 2:
            print("answered", answered[0], flush=True)
            os._exit(0)  # the rest are still in flight: berthd answers a client that is gone

    calls = [
        lambda: manager.ListContainers(reply_handler=done, error_handler=done),
        lambda: manager.GetContainer("x%d" % i, reply_handler=done, error_handler=done),
        lambda: manager.InspectVolume("v%d" % i, reply_handler=done, error_handler=done),
        lambda: manager.ListImages(reply_handler=done, error_handler=done),
        lambda: manager.StopContainer("nope%d" % i, dbus.UInt32(1), reply_handler=done, error_handler=done),
    ]
    for i in range(n):
        calls[i % len(calls)]()
    loop.run()


def fuzz(n, seed, skip):
    import random
    import xml.etree.ElementTree as ET

    rnd = random.Random(seed)
    obj = bus.get_object("org.berth1", "/org/berth1")
    xml = ET.fromstring(obj.Introspect(dbus_interface="org.freedesktop.DBus.Introspectable"))
    methods = []
    for iface in xml.findall("interface"):
        if iface.get("name") != "org.berth1.Manager":
            continue
        for m in iface.findall("method"):
            if m.get("name") not in skip:
                methods.append((m.get("name"), [a.get("type") for a in m.findall("arg") if a.get("direction") == "in"]))

    words = ["", "-", "--", "-f", "--force", "../..", "/", ".", "a" * 5000, "x\ty", "\u00e9\u4e2d", "web", "nope",
             "localhost/busybox", "--memory=1", "--memory=lots", "--env=A=b", "--rootfs=/", "--bogus", "sha256:" + "0" * 64,
             "%n%s$x", "${HOME}", "a=b", "label", "rm", "memory"]

    def value(t):
        if t == "s":
            return rnd.choice(words) if rnd.random() < 0.7 else "".join(chr(rnd.randint(33, 126)) for _ in range(rnd.randint(1, 40)))
        if t == "u":
            return dbus.UInt32(rnd.choice([0, 1, 9, 2**31, 2**32 - 1, rnd.randint(0, 2**32 - 1)]))
        if t == "t":
            return dbus.UInt64(rnd.choice([0, 1, 2, 2**63, 2**64 - 1]))
        if t == "i":
            return dbus.Int32(rnd.choice([0, -1, 9, 15, 64, 65, -2**31, 2**31 - 1]))
        if t == "b":
            return dbus.Boolean(rnd.random() < 0.5)
        if t == "as":
            return dbus.Array([value("s") for _ in range(rnd.choice([0, 1, 3, 300]))], signature="s")
        if t == "a{sv}":
            d = {}
            for _ in range(rnd.choice([0, 1, 3])):
                d[rnd.choice(words)] = rnd.choice([dbus.String(value("s")), dbus.Boolean(True), dbus.UInt32(5),
                                                  dbus.Array([value("s")], signature="s")])
            return dbus.Dictionary(d, signature="sv")
        if t == "h":
            return dbus.types.UnixFd(sys.stdin)
        return dbus.String("?")

    errors = 0
    for _ in range(n):
        name, sig = rnd.choice(methods)
        if rnd.random() < 0.15:
            sig = [rnd.choice(["s", "u", "b", "as"]) for _ in range(rnd.randint(0, 4))]  # wrong types
        try:
            bus.call_blocking("org.berth1", "/org/berth1", "org.berth1.Manager", name, "".join(sig),
                              [value(t) for t in sig], timeout=30)
        except dbus.exceptions.DBusException as e:
            errors += 1
            if "NoReply" in e.get_dbus_name() or "ServiceUnknown" in e.get_dbus_name():
                print("berthd did not answer %s%s: %s" % (name, sig, e), flush=True)
                sys.exit(1)
    print("calls %d errors %d" % (n, errors), flush=True)


def follow_logs(name, seconds):
    import select
    import time

    fd = manager.ContainerLogsWithFlags(name, dbus.UInt64(1)).take()
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            print("left", flush=True)
            os.close(fd)  # berthd stops the writer: nobody reads any more
            return
        data = os.read(fd, 4096)
        if not data:
            print("eof", flush=True)
            return
        sys.stdout.write(data.decode(errors="replace"))
        sys.stdout.flush()


def read_all(fd, tolerate_eio=False):
    out = b""
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError as e:
            if tolerate_eio and e.errno == 5:  # EIO: the terminal's other side is closed
                break
            raise
        if not data:
            break
        out += data
    os.close(fd)
    return out.decode(errors="replace")


def exec_(name, args):
    import threading

    tty, env, workdir, user, text = False, [], "", "", ""
    while args and args[0].startswith("-"):
        a = args.pop(0)
        if a == "--":
            break
        if a == "-t":
            tty = True
        elif a.startswith("--env="):
            env.append(a[6:])
        elif a.startswith("--input="):
            text = a[8:].replace("\\n", "\n")
        elif a.startswith("--workdir="):
            workdir = a[10:]
        elif a.startswith("--user="):
            user = a[7:]
    eid, fin, fout, ferr = manager.Exec(name, dbus.Array(args, signature="s"), dbus.Array(env, signature="s"),
                                        workdir, user, tty)
    fin, fout, ferr = fin.take(), fout.take(), ferr.take()
    print("exec", int(eid), flush=True)
    if tty:
        os.close(fout)
        os.close(ferr)
        os.write(fin, text.encode())
        print("tty", repr(read_all(fin, tolerate_eio=True)), flush=True)
    else:
        errs = []
        reader = threading.Thread(target=lambda: errs.append(read_all(ferr)))
        reader.start()
        os.write(fin, text.encode())
        os.close(fin)
        print("out", repr(read_all(fout)), flush=True)
        reader.join()
        print("err", repr(errs[0]), flush=True)
    print("status", int(manager.ExecWait(eid)), flush=True)


if sys.argv[1] == "exec":
    exec_(sys.argv[2], sys.argv[3:])
elif sys.argv[1] == "follow":
    follow_logs(sys.argv[2], float(sys.argv[3]))
elif sys.argv[1] == "logs":
    fd = manager.ContainerLogs(sys.argv[2]).take()
    with os.fdopen(fd, "r") as f:
        sys.stdout.write(f.read())
elif sys.argv[1] == "fuzz":
    fuzz(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:])
elif sys.argv[1] == "flood":
    flood(int(sys.argv[2]))
elif sys.argv[1] == "pull":
    follow_transfer(lambda: manager.PullImage(sys.argv[2], dbus.Array(sys.argv[3:], signature="s")))
elif sys.argv[1] == "import":
    with open(sys.argv[2], "rb") as f:
        follow_transfer(lambda: manager.ImportImage(dbus.types.UnixFd(f), sys.argv[3]))
elif sys.argv[1] == "build":
    context = os.open(sys.argv[2], os.O_RDONLY | os.O_DIRECTORY)
    follow_transfer(lambda: manager.BuildImage(dbus.types.UnixFd(context), dbus.Array([sys.argv[3]], signature="s"),
                                               dbus.Array(sys.argv[4:], signature="s")))
elif sys.argv[1] == "states":
    states(sys.argv[2], sys.argv[3], sys.argv[4])
