"""The tasks the plugin adds to workflows as nodes: the recorder, the export node and the query node. Each is a
module-level task, so a pod loads it by its module path like any other task."""
