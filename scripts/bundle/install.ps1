# Offline install of screening @VERSION@ from this bundle (Windows): a fresh virtual environment
# and pip restricted to the bundled wheelhouse, so nothing is fetched from the network.
# Usage: powershell -ExecutionPolicy Bypass -File install.ps1 [-Target DIR] [-Python PATH]
param(
    [string]$Target = (Join-Path $env:LOCALAPPDATA "screening\venv"),
    [string]$Python = ""
)
$ErrorActionPreference = "Stop"
$Here = Split-Path -Parent $MyInvocation.MyCommand.Path

function Fail([string]$Message) {
    Write-Host "错误：$Message" -ForegroundColor Red
    exit 1
}

if ("@PLATFORM@" -ne "win_amd64") {
    Fail "本安装包是为 @PLATFORM@ 制作的，不能在 Windows 上安装。请使用 make bundle BUNDLE_PLATFORM=win_amd64 制作的 Windows 安装包。"
}

# Find Python @PYTHON@: -Python, else the py launcher, else python on PATH.
$Cmd = @()
if ($Python) { $Cmd = @($Python) }
elseif (Get-Command py -ErrorAction SilentlyContinue) { $Cmd = @("py", "-@PYTHON@") }
elseif (Get-Command python -ErrorAction SilentlyContinue) { $Cmd = @("python") }
else { Fail "找不到 Python。请先安装 Python @PYTHON@（64 位），或用 -Python 参数指定 python.exe 的路径。" }

$Exe = $Cmd[0]
$PyArgs = @($Cmd | Select-Object -Skip 1)
$Version = & $Exe @PyArgs -c "import sys; print('%d.%d' % sys.version_info[:2])" 2>$null
if ($LASTEXITCODE -ne 0 -or "$Version".Trim() -ne "@PYTHON@") {
    Fail "本安装包需要 Python @PYTHON@（64 位），找到的版本是 '$Version'。请安装 Python @PYTHON@，或用 -Python 参数指定。"
}

Write-Host "正在创建 Python 虚拟环境：$Target"
& $Exe @PyArgs -m venv $Target
if ($LASTEXITCODE -ne 0) { Fail "创建虚拟环境失败：$Target" }

Write-Host "正在从本安装包离线安装 screening @VERSION@（不访问网络，约需几分钟）……"
# Ignore any pip configuration or index settings of this PC: wheelhouse only.
foreach ($Name in "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONSTRAINT") {
    Remove-Item "Env:$Name" -ErrorAction SilentlyContinue
}
$env:PIP_CONFIG_FILE = "nul"
$env:PIP_NO_INDEX = "1"
$env:PIP_DISABLE_PIP_VERSION_CHECK = "1"
& (Join-Path $Target "Scripts\python.exe") -m pip install --no-index `
    --find-links (Join-Path $Here "wheelhouse") "screening==@VERSION@"
if ($LASTEXITCODE -ne 0) {
    Fail "安装失败（见上方 pip 的输出）。安装包可能不完整，请重新复制整个文件夹。"
}

$Exe = Join-Path $Target "Scripts\screening.exe"
Write-Host ""
Write-Host "安装完成。运行方式：`"$Exe`" --help"
Write-Host "  知识库在首次运行时复制到 %LOCALAPPDATA%\screening\corpus，"
Write-Host "  模型缓存在 %LOCALAPPDATA%\screening\models（首次筛查时离线生成，约需几分钟）。"
