-- The rows of `instances` (V004) were copied to `instances_by_day` by V018, which every reader and writer now names.
DROP TABLE IF EXISTS ${database}.instances;
