#!/bin/bash
# Hardened layer extraction: hostile tarballs (built with python3's tarfile) must not create, change
# or read anything outside the layer, and must not forge overlay metadata.
set -u
source "$(dirname "$0")/../lib/tap.sh"

BERTH="$BERTH_BUILD/berth"
T=$(mktemp -d /tmp/berth-image-extract.XXXXXX)
export BERTH_STORAGE_DIR=$T/store
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/outside" "$T/tars"
echo original >"$T/outside/target"
passwd_sum=$(sha256sum /etc/passwd)

# mk NAME 'python statements using add(...)': writes $T/tars/NAME.tar
mk() {
        OUT="$T/tars/$1.tar" OUTSIDE="$T/outside" python3 - "$2" <<'PY'
import io, os, sys, tarfile
out, outside = os.environ["OUT"], os.environ["OUTSIDE"]
tf = tarfile.open(out, "w", format=tarfile.PAX_FORMAT)
def add(name, type=tarfile.REGTYPE, data=b"", link="", mode=0o644, uid=0, gid=0, pax=None, dev=(0, 0)):
    ti = tarfile.TarInfo(name)
    ti.type, ti.mode, ti.uid, ti.gid, ti.linkname = type, mode, uid, gid, link
    ti.devmajor, ti.devminor = dev
    if pax:
        ti.pax_headers = pax
    if type == tarfile.REGTYPE:
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
    else:
        tf.addfile(ti)
exec(sys.argv[1])
tf.close()
PY
}

layer_of() { # image -> its layer dir
        "$BERTH" image inspect "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["GraphDriver"]["Data"]["LowerDir"])'
}
export BERTH
export -f layer_of
store_clean() { # nothing visible after a refused import
        [ -z "$(ls -A "$BERTH_STORAGE_DIR/layers")" ] && [ -z "$(ls -A "$BERTH_STORAGE_DIR/images")" ] &&
                [ -z "$(ls -A "$BERTH_STORAGE_DIR/tmp")" ]
}
refused() { # name expected-error-text
        check_output "$1: refused with a message naming the entry" "$2" "$BERTH" image import "$T/tars/$1.tar" "evil-$1"
        check "$1: nothing left in the store" store_clean
}

mk dotdot 'add("ok"); add("../escape", data=b"x")'
refused dotdot "'../escape'"
check "dotdot: nothing written next to the store" test ! -e "$T/escape" -a ! -e "$BERTH_STORAGE_DIR/escape"

mk dotdot-deep 'add("a/b/../../../escape2", data=b"x")'
refused dotdot-deep "contains '..'"

mk absolute 'add("/abs-file", data=b"x")'
refused absolute "absolute path"
check "absolute: /abs-file not created" test ! -e /abs-file

mk symlink-write 'add("link", tarfile.SYMTYPE, link=outside); add("link/file", data=b"pwned")'
refused symlink-write "'link/file'"
check "symlink-write: nothing written through the symlink" test ! -e "$T/outside/file"

# a directory whose files were just written, then replaced by a symlink: the next file in it must
# not land in the old directory (kept open for speed) nor through the link
mk dir-to-symlink 'add("d", tarfile.DIRTYPE, mode=0o755); add("d/a", data=b"1"); add("d", tarfile.SYMTYPE, link=outside); add("d/b", data=b"pwned")'
refused dir-to-symlink "'d/b'"
check "dir-to-symlink: nothing written through the symlink" test ! -e "$T/outside/b"

mk symlink-relative 'add("dir", tarfile.DIRTYPE, mode=0o755); add("dir/up", tarfile.SYMTYPE, link="../../../../../.."); add("dir/up/tmp/pwned", data=b"x")'
refused symlink-relative "symlink"

mk symlink-replace 'add("evil", tarfile.SYMTYPE, link=outside + "/target"); add("evil", data=b"overwritten")'
check "symlink-replace: a file replacing a symlink is imported" "$BERTH" image import "$T/tars/symlink-replace.tar" sr
check_output "symlink-replace: the outside target is untouched" "original" cat "$T/outside/target"
check_output "symlink-replace: the layer has a plain file" "overwritten" bash -c "cat \$(layer_of sr)/evil"
check "rm" "$BERTH" image rm sr

mk hardlink-abs 'add("passwd", tarfile.LNKTYPE, link="/etc/passwd")'
refused hardlink-abs "hard link target '/etc/passwd' refused"

mk hardlink-dotdot 'add("x", tarfile.LNKTYPE, link="../x")'
refused hardlink-dotdot "hard link target '../x' refused"

mk hardlink-through-symlink 'add("etc", tarfile.SYMTYPE, link="/etc"); add("pw", tarfile.LNKTYPE, link="etc/passwd")'
refused hardlink-through-symlink "'pw'"

mk hardlink-missing 'add("a", tarfile.LNKTYPE, link="later"); add("later", data=b"x")'
refused hardlink-missing "not an earlier entry"

mk hardlink-dir 'add("d", tarfile.DIRTYPE, mode=0o755); add("h", tarfile.LNKTYPE, link="d")'
refused hardlink-dir "directory"

mk hardlink-ok 'add("bin/a", data=b"same", mode=0o755); add("bin/b", tarfile.LNKTYPE, link="bin/a")'
check "hardlink-ok: a hard link inside the layer is imported" "$BERTH" image import "$T/tars/hardlink-ok.tar" hl
check "hardlink-ok: both names are one inode" bash -c "l=\$(layer_of hl); [ \$(stat -c %i \$l/bin/a) = \$(stat -c %i \$l/bin/b) ]"
check "rm" "$BERTH" image rm hl

mk devices 'add("dev/sda", tarfile.BLKTYPE, dev=(8, 0)); add("dev/mem", tarfile.CHRTYPE, dev=(1, 1)); add("fifo", tarfile.FIFOTYPE); add("keep", data=b"k")'
check_output "devices: imported with a warning" "device node skipped" "$BERTH" image import "$T/tars/devices.tar" dev
check "devices: no device nodes in the layer" bash -c "l=\$(layer_of dev) && [ -d \"\$l\" ] && [ -z \"\$(find \$l -type b -o -type c)\" ]"
check "devices: the fifo and the file are there" bash -c "l=\$(layer_of dev); [ -p \$l/fifo ] && [ -f \$l/keep ]"
check "rm" "$BERTH" image rm dev

mk whiteout-dotdot 'add(".wh..", data=b"")'
refused whiteout-dotdot "invalid whiteout"
mk whiteout-dotdot2 'add("a/.wh...", data=b"")'
refused whiteout-dotdot2 "invalid whiteout"
mk whiteout-empty 'add("a/.wh.", data=b"")'
refused whiteout-empty "invalid whiteout"
mk whiteout-dir 'add(".wh.x/y", data=b"")'
refused whiteout-dir "whiteout name '.wh.x' used as a directory"
mk whiteout-escape 'add(".wh.../../x", data=b"")'
refused whiteout-escape "contains '..'"

mk whiteouts 'add("etc/.wh.shadow"); add("opt/.wh..wh..opq"); add("opt/mine", data=b"m")'
check "whiteouts: imported" "$BERTH" image import "$T/tars/whiteouts.tar" wh
check "whiteouts: .wh.shadow became a 0/0 char device" bash -c "[ \"\$(stat -c '%F %t %T' \$(layer_of wh)/etc/shadow)\" = 'character special file 0 0' ]"
check "whiteouts: no .wh. file materialized" bash -c "l=\$(layer_of wh) && [ -d \"\$l/etc\" ] && [ -z \"\$(find \$l -name '.wh.*')\" ]"
check_output "whiteouts: opaque marker set" "y" python3 -c "import os,sys; print(os.getxattr(sys.argv[1] + '/opt', 'trusted.overlay.opaque').decode())" "$(layer_of wh)"
check "rm" "$BERTH" image rm wh

# a whiteout applies to the lower layers only (OCI): the same layer's entries of that name stay
mk whiteout-then-dir 'add("a/.wh.b"); add("a/b", tarfile.DIRTYPE, mode=0o750); add("a/b/new", data=b"n"); add("c", tarfile.DIRTYPE, mode=0o755); add("c/mine", data=b"m"); add(".wh.c"); add("f", data=b"f"); add(".wh.f"); add(".wh.g"); add("g/implied", data=b"i")'
check "whiteout then directory: imported" "$BERTH" image import "$T/tars/whiteout-then-dir.tar" wd
opaque() { python3 -c "import os,sys; print(os.getxattr(sys.argv[1], 'trusted.overlay.opaque').decode())" "$1"; }
export -f opaque
check_output "whiteout then directory: an opaque directory with the layer's files" "y 750 new" \
        bash -c "l=\$(layer_of wd); echo \$(opaque \$l/a/b) \$(stat -c %a \$l/a/b) \$(ls \$l/a/b)"
check_output "directory then whiteout: the directory stays, opaque" "y mine" bash -c "l=\$(layer_of wd); echo \$(opaque \$l/c) \$(ls \$l/c)"
check_output "file then whiteout: the file stays" "f" bash -c "cat \$(layer_of wd)/f"
check_output "whiteout then a file below it: an opaque directory" "y implied" bash -c "l=\$(layer_of wd); echo \$(opaque \$l/g) \$(ls \$l/g)"
check "whiteout then directory: no whiteout left" bash -c "[ -z \"\$(find \$(layer_of wd) -type c)\" ]"
check "rm" "$BERTH" image rm wd

mk xattrs 'add("d", tarfile.DIRTYPE, mode=0o755, pax={"SCHILY.xattr.trusted.overlay.opaque": "y", "SCHILY.xattr.trusted.overlay.redirect": "/etc"}); add("f", data=b"x", pax={"SCHILY.xattr.security.evil": "1", "SCHILY.xattr.user.overlay.origin": "x", "SCHILY.xattr.user.note": "kept"})'
check_output "xattrs: overlay and security xattrs are dropped with a warning" "dropping extended attribute 'trusted.overlay.opaque'" \
        "$BERTH" image import "$T/tars/xattrs.tar" xa
check_output "xattrs: the directory has no trusted.* xattrs" "[]" python3 -c "import os,sys; print([a for a in os.listxattr(sys.argv[1] + '/d') if not a.startswith('user.')])" "$(layer_of xa)"
check_output "xattrs: the file keeps user.note only" "['user.note']" python3 -c "import os,sys; print(os.listxattr(sys.argv[1] + '/f'))" "$(layer_of xa)"
check "rm" "$BERTH" image rm xa

mk setuid 'add("root-suid", data=b"x", mode=0o4755); add("user-suid", data=b"x", mode=0o4755, uid=1000); add("user-sgid", data=b"x", mode=0o2755, uid=1000, gid=42)'
check "setuid: imported" "$BERTH" image import "$T/tars/setuid.tar" su
check_output "setuid: kept on root's file" "4755" stat -c %a "$(layer_of su)/root-suid"
check_output "setuid: dropped on another user's file" "755 1000" stat -c '%a %u' "$(layer_of su)/user-suid"
check_output "setgid: kept" "2755 42" stat -c '%a %g' "$(layer_of su)/user-sgid"
check "rm" "$BERTH" image rm su

mk abs-symlink 'add("etc/alt", tarfile.SYMTYPE, link="/etc/passwd"); add("up", tarfile.SYMTYPE, link="../../..")'
check "symlinks: targets are stored verbatim" "$BERTH" image import "$T/tars/abs-symlink.tar" sl
check_output "symlinks: absolute target kept" "/etc/passwd" readlink "$(layer_of sl)/etc/alt"
check_output "symlinks: relative target kept" "../../.." readlink "$(layer_of sl)/up"
check "rm" "$BERTH" image rm sl

mk many 'for i in range(50): add("f%d" % i, data=b"0123456789")'
check_output "limits: entry count" "more than 20 entries" env BERTH_LAYER_MAX_ENTRIES=20 "$BERTH" image import "$T/tars/many.tar" many
check_output "limits: total size" "exceed 100 bytes" env BERTH_LAYER_MAX_BYTES=100 "$BERTH" image import "$T/tars/many.tar" many
check "limits: nothing left" store_clean
python3 -c 'import sys; sys.stdout.buffer.write(open(sys.argv[1], "rb").read() + bytes(4 << 20))' "$T/tars/many.tar" | gzip -c >"$T/tars/padded.tar.gz"
check_output "limits: zero padding after the end marker counts too" "uncompressed stream exceeds" \
        env BERTH_LAYER_MAX_BYTES=1000 BERTH_LAYER_MAX_ENTRIES=100 "$BERTH" image import "$T/tars/padded.tar.gz" padded
check "limits: nothing left" store_clean
check "limits: within the limits it imports" env BERTH_LAYER_MAX_ENTRIES=60 BERTH_LAYER_MAX_BYTES=500 "$BERTH" image import "$T/tars/many.tar" many
check "rm" "$BERTH" image rm many

check_output "the sentinel directory holds only its file" "target" ls "$T/outside"
check_output "the sentinel file is unchanged" "original" cat "$T/outside/target"
check_output "nothing appeared next to the store" "outside store tars" bash -c "ls $T | xargs"
check_output "/etc/passwd is unchanged" "$passwd_sum" sha256sum /etc/passwd
check "the store is empty again" store_clean

done_testing
