#!/bin/sh
# Installs the Debian packages the tests, the grader and the classroom use:
#   bubblewrap  sandbox for student code during grading
#   chromium    headless browser for the JupyterLab and JupyterHub tests
#   acl         setfacl: submissions and feedback private to each student (classroom)
#   nodejs npm  configurable-http-proxy, JupyterHub's proxy (classroom)
#   python3 python3-venv  an interpreter every account can run (classroom)
# Does nothing when they are already present. Needs root (or sudo) and apt-get.
set -eu

missing=""
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v setfacl >/dev/null 2>&1 || missing="$missing acl"
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
/usr/bin/python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing="$missing python3 python3-venv"
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "Please install these packages with your system's package manager:$missing" >&2
    echo "(bubblewrap sandboxes student code; chromium runs the browser tests;" >&2
    echo " acl, nodejs, npm and python3-venv set up the classroom)" >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "Installing$missing needs root: run 'sudo apt-get install$missing'" >&2
    exit 1
fi
echo "Installing system packages:$missing"
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
