#!/bin/sh
# Offline install of screening @VERSION@ from this bundle (Linux): a fresh virtual environment
# and pip restricted to the bundled wheelhouse, so nothing is fetched from the network.
# Usage: sh install.sh [TARGET_DIR]   (default: ~/screening-venv; Python: $PYTHON or python3)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TARGET=${1:-$HOME/screening-venv}
PY=${PYTHON:-python3}

if ! command -v "$PY" >/dev/null 2>&1; then
  echo "错误：找不到 Python（$PY）。请先安装 Python @PYTHON@，或用环境变量 PYTHON 指定其路径。" >&2
  exit 1
fi
# The wheels are built for one Python version (cp311 etc.): check it before creating anything.
if ! "$PY" -c 'import sys; sys.exit(0 if "%d.%d" % sys.version_info[:2] == "@PYTHON@" else 1)'; then
  echo "错误：本安装包需要 Python @PYTHON@，而 $PY 的版本是 $("$PY" -V 2>&1)。" >&2
  echo "      请安装 Python @PYTHON@，或用环境变量 PYTHON 指定，例如 PYTHON=python@PYTHON@ sh install.sh" >&2
  exit 1
fi
case "@PLATFORM@:$(uname -s)" in
  linux*:Linux) ;;
  *) echo "错误：本安装包是为 @PLATFORM@ 制作的，不能在 $(uname -s) 上安装。" >&2; exit 1 ;;
esac

echo "正在创建 Python 虚拟环境：$TARGET"
"$PY" -m venv "$TARGET"

echo "正在从本安装包离线安装 screening @VERSION@（不访问网络，约需几分钟）……"
# Ignore any pip configuration or index settings of this machine: wheelhouse only.
unset PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_FIND_LINKS PIP_CONSTRAINT PIP_REQUIREMENT
PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
  "$TARGET/bin/python" -m pip install --no-index --find-links "$HERE/wheelhouse" \
  "screening==@VERSION@" || {
    echo "错误：安装失败（见上方 pip 的输出）。安装包可能不完整：请在本目录运行 sha256sum -c SHA256SUMS 核对。" >&2
    exit 1
  }

"$TARGET/bin/screening" --help >/dev/null
echo ""
echo "安装完成。运行方式：$TARGET/bin/screening --help"
echo "  例如：$TARGET/bin/screening scan 待审查文件夹/"
echo "  知识库在首次运行时复制到 \${XDG_DATA_HOME:-~/.local/share}/screening/corpus，"
echo "  模型缓存在 \${XDG_CACHE_HOME:-~/.cache}/screening/models（首次筛查时离线生成，约需几分钟）。"
