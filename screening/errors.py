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


class BrokenLinkError(InputError):
    code = "broken_link"
    template = (
        "快捷方式（符号链接）指向的文件不存在：{path} → {target}。"
        "请检查原文件是否已被移动或删除，或删除这个失效的链接。"
    )


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
        "{fmt} 没有文字层（可能是扫描件或图片）：{path}。"
        "需要先进行 OCR 文字识别，或向发文单位索取可复制文字的电子版（DOCX/PDF/OFD）。"
    )


class EmptyDocumentError(InputError):
    code = "empty"
    template = "文件内容为空，没有可审查的文字：{path}。请确认文件是否完整。"


class FileTooLargeError(InputError):
    code = "too_large"
    template = (
        "文件过大（{size_mb:.1f} MB，上限 {limit_mb:g} MB）：{path}。"
        "请拆分文件，或在配置中调大 max_file_mb 后重试。"
    )


class ZipBombError(InputError):
    code = "zip_bomb"
    template = (
        "压缩包解压后过大（约 {size_mb:.0f} MB，上限 {limit_mb:g} MB），疑似异常文件：{path}。"
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


# --- negative list and notice import -----------------------------------------------------------


class NegativeListFormatError(InputError):
    code = "neglist_format"
    template = (
        "无法从文件 {path} 中读出负面清单表格：{detail}。"
        "请使用官方发布的清单表格（PDF、DOCX、XLSX 或 CSV），表头应为：项目号、禁止或许可事项、"
        "事项编码、禁止或许可准入措施描述、主管部门、地方性许可措施。"
    )


class EditionExistsError(ScreeningError):
    code = "edition_exists"
    template = (
        "清单版本“{edition}”已由另一文件（{old_file}，导入于 {old_time}）导入，与本次文件内容不同。"
        "确需用新文件替换时，请加 --replace 重新导入。"
    )


class EditionNotFoundError(ScreeningError):
    code = "edition_missing"
    template = (
        "未找到清单版本“{edition}”。已导入的版本：{available}。可用 screening list editions 查看。"
    )


class NoEditionError(ScreeningError):
    code = "no_edition"
    template = (
        "尚未导入任何市场准入负面清单版本，无法进行事项级的负面清单核对。"
        "请用 screening list import 清单文件 --edition 2025 导入官方发布的清单表格。"
    )


class NoticeFormatError(InputError):
    code = "notice_no_cases"
    template = (
        "未能从通报中识别出案例：{path}。{detail}"
        "请确认文件是通报正文（案例以“案例1：”“一、”“（一）”“典型案例一：”等标题分隔），"
        "或先将案例整理为 JSONL（每行一个案例）后导入。"
    )


# --- models --------------------------------------------------------------------------------


class ModelError(ScreeningError):
    """An embedding model or classifier that cannot be built or loaded."""

    code = "model"
    template = "模型错误：{detail}"


class ModelSourceError(ModelError):
    code = "model_source"
    template = (
        "模型源文件不可用（{detail}）：{path}。"
        "请重新安装该软件包（pip install --force-reinstall {package}）后重试。"
    )


class ModelCacheError(ModelError):
    code = "model_cache"
    template = (
        "模型缓存无法使用（{detail}）：{path}。"
        "请删除该目录后运行 screening model build-embedder --force 重新生成；"
        "若提示无写入权限，请用 --models 或环境变量 SCREENING_MODELS 指定一个可写目录。"
    )


class ModelNotTrainedError(ModelError):
    """No current screening model, or a stale one (trained with other component versions).

    Loading a model never trains one: ``screening model retrain`` does, and the first use of
    ``scan``/``check`` catches exactly this error and trains explicitly, saying so.
    """

    code = "model_not_trained"
    template = "模型错误：{detail}请运行 `screening model retrain` 训练筛查模型。"

    @property
    def stale(self) -> bool:
        """True when a current model exists but was trained with other component versions."""
        return bool(self.kwargs.get("stale"))


class CorpusMissingError(CorpusError):
    code = "corpus_missing"
    template = (
        "找不到知识库文件：{path}。请运行 `screening corpus build --shared DIR` 重新生成知识库，"
        "或用 --corpus（环境变量 SCREENING_CORPUS）指定正确的知识库目录。"
    )


class CorpusCorruptError(CorpusError):
    code = "corpus_corrupt"
    template = (
        "知识库文件已损坏（{detail}）：{path}。请运行 `screening corpus build --shared DIR` "
        "重新生成，或用 --corpus 指定完好的知识库目录。"
    )


class CorpusBuilderMissingError(CorpusError):
    """`screening corpus build` outside a source checkout (the builder is not installed)."""

    code = "corpus_builder_missing"
    template = (
        "当前安装的软件包不含知识库构建程序：知识库只能在源码目录中从开发用共享资料生成。"
        "请在源码目录中运行 `python scripts/build_corpus.py --shared DIR`，"
        "或用 --corpus（环境变量 SCREENING_CORPUS）指定已生成的知识库目录。"
    )


class UnknownStandardError(CorpusError):
    code = "unknown_standard"
    template = (
        "没有编号为 {code} 的审查标准。编号格式如 FCR-14-3（《实施办法》第十四条第（三）项）、"
        "FCR-24、ZB-10-3（《招标投标领域公平竞争审查规则》第十条第（三）项）、EXC-25-1、DEF-46；"
        "运行 `screening standards list` 查看全部有效编号。"
    )


class UnknownCaseError(CorpusError):
    code = "unknown_case"
    template = "没有编号为 {case_id} 的案例。运行 `screening cases list` 查看案例编号。"


# --- review ledger (工作台账) -------------------------------------------------------------------


class LedgerError(ScreeningError):
    code = "ledger"
    template = "工作台账错误：{detail}"


class LedgerOpenError(LedgerError):
    code = "ledger_open"
    template = (
        "无法打开工作台账（{detail}）：{path}。请确认该文件是本软件生成的台账数据库（SQLite），"
        "或用 --ledger（环境变量 SCREENING_LEDGER）指定其他路径。"
    )


class LedgerTooNewError(LedgerError):
    code = "ledger_too_new"
    template = (
        "工作台账由更新版本的软件创建（含本软件不认识的结构变更：{names}）：{path}。"
        "请升级 screening 后再打开，以免损坏台账数据。"
    )


class LedgerMissingError(LedgerError):
    code = "ledger_missing"
    template = (
        "工作台账文件不存在：{path}。请检查路径是否写错（--ledger 或环境变量 SCREENING_LEDGER）；"
        "新台账会在第一次运行 screening scan 或登记案件时自动建立。"
    )


class LedgerReadOnlyError(LedgerError):
    code = "ledger_read_only"
    template = (
        "工作台账是只读的（{detail}）：{path}。查看、导出类命令仍可使用；"
        "如需修改台账，请让管理员为该文件及其所在文件夹开放写入权限，或用 --ledger 指定可写的副本。"
    )


class LedgerDamagedError(LedgerError):
    code = "ledger_damaged"
    template = (
        "工作台账文件已损坏（{detail}）：{path}。为免损坏扩大，本次未写入任何内容。"
        "请先运行 screening ledger check 查看详情，再用最近一次备份恢复："
        "关闭所有正在使用台账的程序，将损坏的文件改名留存，把备份文件复制为 {path}"
        "（备份由 screening ledger backup 生成）。"
    )


class LedgerBusyError(LedgerError):
    code = "ledger_busy"
    template = (
        "工作台账 {path} 正被其他人或程序写入，已等待 {waited} 秒仍未轮到，本次操作已停止"
        "（已完成的部分已保存，重新运行同一命令即可继续）。请稍后重试，"
        "或用 --lock-wait（配置项 lock_wait_s）延长等待时间。"
    )


class CaseNotFoundError(LedgerError):
    code = "ledger_case_missing"
    template = "台账中没有编号为 {case_id} 的案件。运行 screening ledger list 查看案件编号。"


class IllegalTransitionError(LedgerError):
    code = "ledger_transition"
    template = (
        "案件 {case_id} 当前状态为“{state}”，不能执行“{action}”。当前可执行的操作：{allowed}。"
    )


class StaleVersionError(LedgerError):
    code = "ledger_stale"
    template = (
        "案件 {case_id} 已被他人修改（您依据的是第 {expected} 版，当前为第 {actual} 版）。"
        "请重新查看（screening ledger show {case_id}）确认最新情况后再操作。"
    )


class MissingFieldError(LedgerError):
    code = "ledger_missing_field"
    template = "“{action}”必须填写{field}。请用 {option} 提供后重试。"


class DepartmentNotFoundError(LedgerError):
    code = "ledger_department_missing"
    template = (
        "台账中没有名为“{name}”的部门。请先用 screening departments add {name} 添加，"
        "或运行 screening departments list 查看已有部门。"
    )


class DepartmentExistsError(LedgerError):
    code = "ledger_department_exists"
    template = "部门“{name}”已存在，无需重复添加。运行 screening departments list 查看已有部门。"


class InvalidValueError(LedgerError):
    code = "ledger_invalid_value"
    template = "{field}的取值“{value}”无效。{hint}"


class HotlineFileError(LedgerError):
    code = "hotline_file"
    template = "无法读取工单导出文件（{detail}）：{path}。{hint}"


class HotlineColumnsError(LedgerError):
    code = "hotline_columns"
    template = (
        "工单导出文件 {path} 中找不到“{field}”列。文件的列名：{columns}。"
        "请用 --map 列名={key} 指定对应的列（也可在配置文件的 complaint_columns 中设置）。"
    )


# --- draft review (增量审查) ----------------------------------------------------------------


class ReviewNotFoundError(LedgerError):
    code = "review_missing"
    template = "台账中没有编号为 {review_id} 的审查对象。运行 screening review list 查看审查编号。"


class ReviewItemNotFoundError(LedgerError):
    code = "review_item_missing"
    template = (
        "审查对象 {review_id} 中没有编号为 {item_id} 的审查事项。"
        "运行 screening review show {review_id} 查看事项编号。"
    )


class ReviewConcludedError(LedgerError):
    code = "review_concluded"
    template = (
        "审查对象 {review_id} 已作出审查结论（{result}），不能再{action}。"
        "如需修改，请先运行 screening review reopen {review_id} --reason …… 重新打开审查。"
    )


class ReviewNotConcludedError(LedgerError):
    code = "review_not_concluded"
    template = "审查对象 {review_id} 尚未作出审查结论，无需重新打开。"


class UnsettledItemsError(LedgerError):
    code = "review_unsettled"
    template = (
        "审查对象 {review_id} 还有 {count} 个事项未认定，不能作出审查结论：{items}。"
        "请逐项用 screening review settle {review_id} 事项编号 --as 构成问题|不构成问题|适用例外 "
        "认定后再试。"
    )


class ConclusionMismatchError(LedgerError):
    code = "review_result_mismatch"
    template = "审查结论“{result}”与各事项的认定不一致：{detail}"


class ReviewRuleError(LedgerError):
    code = "review_rule"
    template = "{detail}"


# --- console accounts (screening users, screening serve) ---------------------------------------


class UserExistsError(LedgerError):
    code = "user_exists"
    template = "用户“{name}”已存在。如需修改密码请用 screening users passwd {name}。"


class UserNotFoundError(LedgerError):
    code = "user_missing"
    template = "没有名为“{name}”的用户。运行 screening users list 查看已有用户。"


class WeakPasswordError(LedgerError):
    code = "user_weak_password"
    template = "密码不符合要求：{detail}。请设置至少 {min_length} 位、同时含字母和数字的密码。"


class LoginFailedError(LedgerError):
    code = "login_failed"
    template = "用户名或密码不正确。"


class LoginLockedError(LedgerError):
    code = "login_locked"
    template = "连续登录失败次数过多，该账号暂停登录至 {until}。请稍后再试，或请管理员重置密码。"


# --- reports (自查整改报告、典型案例通报、工作台账、统计) --------------------------------


class ReportError(ScreeningError):
    code = "report"
    template = "报告生成错误：{detail}"


class PeriodError(ReportError):
    code = "report_period"
    template = (
        "统计期间“{value}”无法识别。请写作 2025（全年）、2025Q4（第四季度）、2025-11（月份），"
        "或用 --from 2025-10-01 --to 2025-12-31 指定起止日期（起始日期不得晚于截止日期）。"
    )


class CasesNotConfirmedError(ReportError):
    code = "report_not_confirmed"
    template = (
        "以下案件尚未认定为违规，不能写入典型案例通报：{cases}。"
        "请先完成核查并认定（screening ledger decide 案件编号 --confirm --reason ……），"
        "或从 --cases 中去掉这些案件。"
    )


class OutputFormatError(ReportError):
    code = "report_output_format"
    template = "不支持的输出文件类型：{path}。{hint}"


class OutputWriteError(ReportError):
    code = "report_output_write"
    template = (
        "无法写入 {path}（{detail}）。如该文件正在 WPS、Word 或 Excel 中打开，请先关闭；"
        "或换一个有写入权限的位置后重试。"
    )


# --- sweeps on a cluster ---------------------------------------------------------------------


class ClusterError(ScreeningError):
    code = "cluster"
    template = (
        "无法连接计算集群“{address}”：{detail}。请确认调度器已启动（dask scheduler）且地址、"
        "端口可达，例如 --cluster tcp://10.0.0.5:8786；在本机并行可用 --cluster local[2] "
        "或 --workers 2。"
    )


class ClusterWorkerError(ScreeningError):
    code = "cluster_worker"
    template = (
        "集群工作进程（{host}）上找不到{what}。集群筛查时各工作进程按本机给出的路径读取模型、"
        "知识库和文件：请把它们放在各机器都能以相同路径访问的共享目录，并用 {option} 指定，"
        "例如 screening --models /共享盘/screening/models --corpus /共享盘/screening/corpus "
        "scan --cluster 地址 /共享盘/文件/。已筛查完的文件均已登记，修正后重新运行即可继续。"
    )


# --- permit catalogue (市场准入许可事项目录) ------------------------------------------------


class CatalogueError(ScreeningError):
    code = "catalogue"
    template = "许可事项目录：{detail}"


class CatalogueFormatError(InputError):
    code = "catalogue_format"
    template = "无法从文件 {path} 中读出许可事项目录：{detail}。{hint}"


class CatalogueColumnsError(InputError):
    code = "catalogue_columns"
    template = (
        "许可事项目录 {path} 中找不到表头（应含“事项名称”列，以及设立依据、实施机关/主管部门、"
        "审批层级、审批流程、申请材料、批准条件等列中的至少一列）。文件前几行中的内容：{seen}。"
        "请用 --map 列名=字段 指定对应的列，例如 --map 行政许可事项=事项名称"
        "（也可在配置文件的 catalogue_columns 中设置）。"
    )


class CatalogueIsListError(InputError):
    code = "catalogue_is_list"
    template = (
        "文件 {path} 是市场准入负面清单表格（含“{heading}”列，没有设立依据、审批流程、申请材料、"
        "批准条件等目录列），不是许可事项目录，未导入。导入负面清单请用：screening list import "
        "清单文件 --edition 版本名；导入本县目录请选择许可事项目录文件。"
    )


class CatalogueMapError(CatalogueError):
    code = "catalogue_map"
    template = "--map 的取值“{value}”无效：{detail}。请写作 列名=字段，字段可用：{fields}。"


class CatalogueOptionError(CatalogueError):
    code = "catalogue_option"
    template = "{option} 的取值“{value}”无效。{hint}"


class CatalogueLabelExistsError(CatalogueError):
    code = "catalogue_exists"
    template = (
        "目录版本“{label}”已由另一文件（{old_file}，导入于 {old_time}）导入，与本次文件内容不同。"
        "请用 --edition 另起一个版本名（例如 县级-2026-06-30）导入；两个版本并存，便于对照。"
    )


class CatalogueNotFoundError(CatalogueError):
    code = "catalogue_missing"
    template = (
        "未找到许可事项目录“{label}”。已导入的目录：{available}。"
        "可用 screening catalogue list 查看。"
    )


class NoCatalogueError(CatalogueError):
    code = "catalogue_none"
    template = (
        "尚未导入许可事项目录。请先导入：screening catalogue import 目录.xlsx --level 县 "
        "--as-of 2026-01-01（支持 XLSX、XLS、CSV、DOCX 表格）。"
    )


# --- portal pages (screening publish) ----------------------------------------------------------


class PublishFolderError(ScreeningError):
    code = "publish_out_dir"
    template = "无法发布到 {path}：{detail}"
