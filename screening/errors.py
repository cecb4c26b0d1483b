"""One exception hierarchy; every message is Simplified Chinese and says how to fix things.

Each class has a stable machine-readable ``code`` (used in JSON output, the ledger and tests)
and builds its message from keyword arguments, so call sites stay short and wording stays in
one place.
"""

from __future__ import annotations


class ScreeningError(Exception):
    """Base of every error the user can act on. The CLI prints ``str(err)`` and exits 1."""

    code = "error"
    template = "{detail}"

    def __init__(self, path: str | None = None, **kwargs: object) -> None:
        self.path = path
        self.kwargs = kwargs
        message = self.template.format(path=path, **kwargs)
        super().__init__(message)

    @property
    def message(self) -> str:
        return str(self)


# --- input files -------------------------------------------------------------------------


class InputError(ScreeningError):
    """A file that cannot be turned into a Document."""

    code = "input"


class FileMissingError(InputError):
    code = "missing"
    template = "文件不存在：{path}。请检查路径是否正确，或文件是否已被移动、删除。"


class NotAFileError(InputError):
    code = "not_a_file"
    template = "不是普通文件：{path}。请指定文件本身，或指定文件夹以批量处理其中的文件。"


class UnsupportedTypeError(InputError):
    code = "unsupported"
    template = (
        "不支持的文件类型（{detected}）：{path}。"
        "支持的格式：{supported}。请另存为上述格式之一后重试。"
    )


class CorruptFileError(InputError):
    code = "corrupt"
    template = (
        "文件已损坏或不完整，无法读取（{detail}）：{path}。"
        "请重新获取原始文件，或用办公软件打开后另存一份再试。"
    )


class EncryptedFileError(InputError):
    code = "encrypted"
    template = (
        "文件已加密或设有打开密码，无法读取：{path}。"
        "请向发文单位索取未加密版本，或用密码打开后另存为未加密文件再试。"
    )


class NoTextLayerError(InputError):
    code = "no_text"
    template = (
        "PDF 没有文字层（可能是扫描件或图片）：{path}。"
        "需要先进行 OCR 文字识别，或向发文单位索取可复制文字的电子版（DOCX/PDF/OFD）。"
    )


class EmptyDocumentError(InputError):
    code = "empty"
    template = "文件内容为空，没有可审查的文字：{path}。请确认文件是否完整。"


class FileTooLargeError(InputError):
    code = "too_large"
    template = (
        "文件过大（{size_mb:.1f} MB，上限 {limit_mb:.0f} MB）：{path}。"
        "请拆分文件，或在配置中调大 max_file_mb 后重试。"
    )


class ZipBombError(InputError):
    code = "zip_bomb"
    template = (
        "压缩包解压后过大（约 {size_mb:.0f} MB，上限 {limit_mb:.0f} MB），疑似异常文件：{path}。"
        "请核实文件来源；确属正常文件的，可在配置中调大 max_unzipped_mb。"
    )


class DecodeError(InputError):
    code = "undecodable"
    template = (
        "无法识别文本编码（已尝试 UTF-8、GB18030 等）：{path}。"
        "请用文本编辑器另存为 UTF-8 编码后重试。"
    )


class ConverterMissingError(InputError):
    code = "converter_missing"
    template = (
        "读取 {fmt} 文件需要 LibreOffice，但本机未安装：{path}。"
        "请安装 LibreOffice（Debian/Ubuntu：sudo apt-get install libreoffice-writer；"
        "Windows：安装 LibreOffice 并将其 program 目录加入 PATH），"
        "或用办公软件将文件另存为 DOCX 后重试。"
    )


class ConversionFailedError(InputError):
    code = "conversion_failed"
    template = (
        "LibreOffice 转换 {fmt} 文件失败（{detail}）：{path}。"
        "请用办公软件打开该文件并另存为 DOCX 后重试。"
    )


# --- configuration and data ------------------------------------------------------------------


class ConfigError(ScreeningError):
    code = "config"
    template = "配置错误：{detail}"


class CorpusError(ScreeningError):
    code = "corpus"
    template = "知识库错误：{detail}"
