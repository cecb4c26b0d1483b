"""Local market-access permit catalogues (市场准入许可事项目录): import, storage, checks, impact."""
