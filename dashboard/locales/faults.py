"""Strings for faults of the database: missing, busy, read-only, unreachable, deleted or swapped."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "fault.uninitialised": ("数据库尚未初始化："
                            "请运行 python -m data_access init（示例数据：python -m data_access seed）",
                            "The database is not initialised: run python -m data_access init "
                            "(sample data: python -m data_access seed)"),
    "fault.outdated": ("数据库结构需要升级：请运行 python -m data_access init（数据库为 {current}，本程序需要 {head}）",
                       "The database schema needs an upgrade: run python -m data_access init "
                       "(the database is at {current}, this program needs {head})"),
    "fault.newer": ("数据库结构已由新版本程序升级（{current}），本程序版本较旧：请用新版本重启应用",
                    "The database was upgraded by a newer version of the program ({current}): "
                    "restart the app on that version"),
    "fault.deleted": ("数据库文件在应用运行期间被删除。"
                      "请恢复数据库文件（或运行 python -m data_access init 重建），然后重启应用。",
                      "The database file was deleted while the app was running. Restore it (or rebuild it with "
                      "python -m data_access init), then restart the app."),
    "fault.replaced": ("数据库文件在应用运行期间被替换，应用已停止使用它，"
                       "以免混用两个数据库的数据。如新文件无误，请管理员重启应用。",
                       "The database file was replaced while the app was running; the app stopped using it so as "
                       "not to mix two databases. If the new file is the "
                       "right one, an administrator must restart the app."),
    "fault.busy": ("数据库正忙，请稍后再试", "The database is busy, please try again in a moment"),
    "fault.readonly": ("数据库为只读，无法保存：请检查数据库文件及其所在文件夹的写权限。",
                       "The database is read-only, nothing can be saved: check the write permission of the "
                       "database file and its folder."),
    "fault.full": ("数据库所在磁盘已满，无法保存：请管理员清理磁盘空间。",
                   "The database's disk is full, nothing can be saved: an administrator must free disk space."),
    "fault.corrupt": ("数据库文件已损坏或不是数据库文件：请从备份恢复。",
                      "The database file is damaged or not a database: restore it from a backup."),
    "fault.unavailable": ("无法连接数据库，请稍后再试；如一直如此，请联系管理员检查数据库服务。",
                          "Cannot reach the database, please try again in a moment; if this persists, ask an "
                          "administrator to check the database server."),
    "fault.location": ("数据库的位置已写入服务器日志，供管理员查看（不向访客显示）。",
                       "The database's location is in the server log for the administrator (not shown to visitors)."),
    "fault.retry": ("重试", "Try again"),
}
