#!/usr/bin/env bash
# Refresh the front-end libraries vendored under static/vendor/ from the npm registry.
# Pages never load anything from a CDN: these files are served by the app itself.
# Bump a version here, run `make vendor`, and commit the result.
set -euo pipefail
BOOTSTRAP_VERSION=5.3.8
HTMX_VERSION=2.0.8
# Accessibility checks: injected by tests/browser/test_accessibility.py only, never linked from a page.
AXE_VERSION=4.14.1
# Charts of the reports pages (UMD build, no CSS injected: fits the strict CSP).
CHARTJS_VERSION=4.6.2

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "bootstrap@$BOOTSTRAP_VERSION" "htmx.org@$HTMX_VERSION" "axe-core@$AXE_VERSION" "chart.js@$CHARTJS_VERSION" >/dev/null
mkdir bootstrap htmx axe chartjs
tar -xzf "bootstrap-$BOOTSTRAP_VERSION.tgz" -C bootstrap
tar -xzf "htmx.org-$HTMX_VERSION.tgz" -C htmx
tar -xzf "axe-core-$AXE_VERSION.tgz" -C axe
tar -xzf "chart.js-$CHARTJS_VERSION.tgz" -C chartjs

rm -rf "$dest/bootstrap" "$dest/htmx" "$dest/axe-core" "$dest/chartjs"
mkdir -p "$dest/bootstrap/css" "$dest/bootstrap/js" "$dest/htmx" "$dest/axe-core" "$dest/chartjs"
cp bootstrap/package/dist/css/bootstrap.min.css bootstrap/package/dist/css/bootstrap.min.css.map "$dest/bootstrap/css/"
cp bootstrap/package/dist/js/bootstrap.bundle.min.js bootstrap/package/dist/js/bootstrap.bundle.min.js.map "$dest/bootstrap/js/"
cp bootstrap/package/LICENSE "$dest/bootstrap/LICENSE"
cp htmx/package/dist/htmx.min.js "$dest/htmx/htmx.min.js"
cp htmx/package/LICENSE "$dest/htmx/LICENSE"
cp axe/package/axe.min.js "$dest/axe-core/axe.min.js"
cp axe/package/LICENSE "$dest/axe-core/LICENSE"
cp chartjs/package/dist/chart.umd.min.js chartjs/package/dist/chart.umd.min.js.map "$dest/chartjs/"
cp chartjs/package/LICENSE.md "$dest/chartjs/LICENSE.md"
cat > "$dest/VERSIONS" <<VERSIONS
bootstrap $BOOTSTRAP_VERSION (npm: bootstrap)
htmx $HTMX_VERSION (npm: htmx.org)
axe-core $AXE_VERSION (npm: axe-core; tests only)
chart.js $CHARTJS_VERSION (npm: chart.js)
VERSIONS
echo "vendored: bootstrap $BOOTSTRAP_VERSION, htmx $HTMX_VERSION, axe-core $AXE_VERSION, chart.js $CHARTJS_VERSION"
