#!/bin/sh
# make-busybox-image.sh OUTDIR [NAME [CMD-JSON]]
#
# Builds a one-layer busybox image locally (no registry), from the rootfs that
# tests/bundle/make-bundle.sh makes out of busybox-static, in two archive formats:
#   OUTDIR/busybox-oci.tar     an OCI image layout (oci-layout, index.json, blobs/sha256/...),
#                              for `ctr images import` and `podman load`
#   OUTDIR/busybox-docker.tar  a `docker save` archive (manifest.json, repositories, config,
#                              layer), for `docker load`
# NAME defaults to localhost/csrun-busybox:mt. The image runs CMD-JSON (default ["sh"]), with
# PATH set; e.g. '["sleep","2147483647"]' makes a stand-in for a CRI pod's pause image.
# Needs tar, sha256sum and jq. Output is reproducible: same busybox, same digests.
set -eu

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
    echo "usage: $0 OUTDIR [NAME [CMD-JSON]]" >&2
    exit 2
fi
out=$1
name=${2:-localhost/csrun-busybox:mt}
cmd=${3:-'["sh"]'}
repo=${name%:*}
tag=${name##*:}
here=$(cd "$(dirname "$0")" && pwd -P)
makebundle=$here/../../bundle/make-bundle.sh

for tool in tar sha256sum jq; do
    command -v "$tool" >/dev/null || { echo "make-busybox-image: $tool is required" >&2; exit 1; }
done

mkdir -p "$out"
out=$(cd "$out" && pwd -P)
work=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$makebundle" "$work/bundle" >/dev/null
rm -f "$work/bundle/config.json"

# The layer: an uncompressed tar of the rootfs, entries sorted, times fixed, ids numeric.
tar --sort=name --mtime=@0 --numeric-owner --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -C "$work/bundle/rootfs" -cf "$work/layer.tar" .
layer_hex=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
layer_size=$(stat -c %s "$work/layer.tar")

jq -cn --arg diff "sha256:$layer_hex" --argjson cmd "$cmd" '{
    architecture: "amd64", os: "linux", created: "1970-01-01T00:00:00Z",
    config: {
        Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        Cmd: $cmd, WorkingDir: "/"
    },
    rootfs: { type: "layers", diff_ids: [$diff] },
    history: [ { created: "1970-01-01T00:00:00Z", created_by: "make-busybox-image.sh" } ]
}' | tr -d '\n' > "$work/config.json"
config_hex=$(sha256sum "$work/config.json" | cut -d' ' -f1)
config_size=$(stat -c %s "$work/config.json")

# --- OCI layout ---
oci=$work/oci
mkdir -p "$oci/blobs/sha256"
cp "$work/layer.tar" "$oci/blobs/sha256/$layer_hex"
cp "$work/config.json" "$oci/blobs/sha256/$config_hex"
jq -cn --arg c "sha256:$config_hex" --argjson cs "$config_size" \
       --arg l "sha256:$layer_hex" --argjson ls "$layer_size" '{
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs },
    layers: [ { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls } ]
}' | tr -d '\n' > "$work/manifest.json"
manifest_hex=$(sha256sum "$work/manifest.json" | cut -d' ' -f1)
manifest_size=$(stat -c %s "$work/manifest.json")
cp "$work/manifest.json" "$oci/blobs/sha256/$manifest_hex"
printf '{"imageLayoutVersion":"1.0.0"}' > "$oci/oci-layout"
jq -cn --arg m "sha256:$manifest_hex" --argjson ms "$manifest_size" --arg name "$name" --arg tag "$tag" '{
    schemaVersion: 2,
    manifests: [ {
        mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
        platform: { architecture: "amd64", os: "linux" },
        annotations: { "io.containerd.image.name": $name, "org.opencontainers.image.ref.name": $tag }
    } ]
}' > "$oci/index.json"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$oci" -cf "$out/busybox-oci.tar.tmp" .
mv -f "$out/busybox-oci.tar.tmp" "$out/busybox-oci.tar"

# --- docker save archive ---
dk=$work/docker
mkdir -p "$dk/$layer_hex"
cp "$work/layer.tar" "$dk/$layer_hex/layer.tar"
printf '1.0' > "$dk/$layer_hex/VERSION"
cp "$work/config.json" "$dk/$config_hex.json"
jq -cn --arg c "$config_hex.json" --arg l "$layer_hex/layer.tar" --arg name "$name" \
    '[ { Config: $c, RepoTags: [$name], Layers: [$l] } ]' > "$dk/manifest.json"
jq -cn --arg repo "$repo" --arg tag "$tag" --arg l "$layer_hex" '{ ($repo): { ($tag): $l } }' > "$dk/repositories"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$dk" -cf "$out/busybox-docker.tar.tmp" .
mv -f "$out/busybox-docker.tar.tmp" "$out/busybox-docker.tar"

echo "$name sha256:$config_hex"
