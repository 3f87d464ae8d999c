#!/bin/sh
# Install (or upgrade) the counter app for all users: /opt/counter-app, a menu entry and the icon.
# Data (database, backups, logs) lives in each user's own folders and is never touched here.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-/opt/counter-app}
if [ "$(id -u)" -ne 0 ]; then
    echo "Chạy với quyền root: sudo $0" >&2
    exit 1
fi
# Replace the program folder as a whole so files removed in a new version do not linger.
rm -rf "$PREFIX.new"
cp -a "$HERE/counter-app" "$PREFIX.new"
rm -rf "$PREFIX.old"
if [ -d "$PREFIX" ]; then mv "$PREFIX" "$PREFIX.old"; fi
mv "$PREFIX.new" "$PREFIX"
rm -rf "$PREFIX.old"
ln -sf "$PREFIX/counter-app" /usr/local/bin/counter-app
install -D -m 644 "$HERE/counter-app.png" /usr/share/icons/hicolor/256x256/apps/counter-app.png
sed "s|/opt/counter-app|$PREFIX|g" "$HERE/counter-app.desktop" > /usr/share/applications/counter-app.desktop
chmod 644 /usr/share/applications/counter-app.desktop
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q /usr/share/icons/hicolor || true
echo "Đã cài đặt vào $PREFIX. Chạy: counter-app (cửa sổ) hoặc counter-app --help (dòng lệnh)."
