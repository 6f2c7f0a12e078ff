# Test fixtures made at test time from Debian packages; nothing is fetched from elsewhere.
#
#   make_busybox_rootfs DIR    a minimal root: /bin/busybox (busybox-static) and its applet links,
#                              /etc/passwd and /etc/group with root and nobody, empty /proc /sys /dev /tmp
#   make_busybox_tar FILE      the same root as an uncompressed tarball (for `berth image import`)

make_busybox_rootfs() {
        local dir=$1 applet
        mkdir -p "$dir"/{bin,etc,proc,sys,dev,tmp,root,var,run}
        chmod 1777 "$dir/tmp"
        cp /bin/busybox "$dir/bin/busybox"
        for applet in $(/bin/busybox --list); do
                [ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
        done
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dir/etc/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
}

make_busybox_tar() {
        local out=$1 tmp
        tmp=$(mktemp -d)
        make_busybox_rootfs "$tmp/rootfs"
        tar -C "$tmp/rootfs" --numeric-owner -cf "$out" .
        rm -rf "$tmp"
}
