@echo off
rem Offline install of screening @VERSION@ on Windows: runs install.ps1 beside this file.
chcp 65001 >nul
powershell -NoProfile -ExecutionPolicy Bypass -File "%~dp0install.ps1" %*
if errorlevel 1 (
  echo 安装未完成，请查看上方的提示。
  pause
  exit /b 1
)
pause
