#!/usr/bin/env bash
# Refresh the front-end libraries vendored under static/vendor/ from the npm registry.
# Pages never load anything from a CDN: these files are served by the app itself.
# Bump a version here, run `make vendor`, and commit the result.
set -euo pipefail
BOOTSTRAP_VERSION=5.3.8
HTMX_VERSION=2.0.8
# Accessibility checks: injected by tests/browser/test_accessibility.py only, never linked from a page.
AXE_VERSION=4.14.1

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "bootstrap@$BOOTSTRAP_VERSION" "htmx.org@$HTMX_VERSION" "axe-core@$AXE_VERSION" >/dev/null
mkdir bootstrap htmx axe
tar -xzf "bootstrap-$BOOTSTRAP_VERSION.tgz" -C bootstrap
tar -xzf "htmx.org-$HTMX_VERSION.tgz" -C htmx
tar -xzf "axe-core-$AXE_VERSION.tgz" -C axe

rm -rf "$dest/bootstrap" "$dest/htmx" "$dest/axe-core"
mkdir -p "$dest/bootstrap/css" "$dest/bootstrap/js" "$dest/htmx" "$dest/axe-core"
cp bootstrap/package/dist/css/bootstrap.min.css bootstrap/package/dist/css/bootstrap.min.css.map "$dest/bootstrap/css/"
cp bootstrap/package/dist/js/bootstrap.bundle.min.js bootstrap/package/dist/js/bootstrap.bundle.min.js.map "$dest/bootstrap/js/"
cp bootstrap/package/LICENSE "$dest/bootstrap/LICENSE"
cp htmx/package/dist/htmx.min.js "$dest/htmx/htmx.min.js"
cp htmx/package/LICENSE "$dest/htmx/LICENSE"
cp axe/package/axe.min.js "$dest/axe-core/axe.min.js"
cp axe/package/LICENSE "$dest/axe-core/LICENSE"
cat > "$dest/VERSIONS" <<VERSIONS
bootstrap $BOOTSTRAP_VERSION (npm: bootstrap)
htmx $HTMX_VERSION (npm: htmx.org)
axe-core $AXE_VERSION (npm: axe-core; tests only)
VERSIONS
echo "vendored: bootstrap $BOOTSTRAP_VERSION, htmx $HTMX_VERSION, axe-core $AXE_VERSION"
