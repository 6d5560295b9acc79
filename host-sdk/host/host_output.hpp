// What backup-host prints: --json documents (one JSON value, pretty-printed, on standard
// output) and plain aligned tables (format_table, base's text_table.hpp), so that every command
// formats the same things the same way.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <backup_host/host/plugin_description.hpp>

#include "backup_set.pb.h"
#include "certbackup/base/text_table.hpp"
#include "host-sdk/host/job_runner.hpp"

namespace certbackup::host {

// A plugin as `plugins --json` shows it: id, version, abi, format_version, description, file,
// jobs, options (name, type, jobs, role, default, choices, description), actions.
nlohmann::json plugin_json(const backup_host::PluginDescription& plugin);

// A set as `sets --json` shows it: id, time, job, host, status, size, items, plugins (id,
// version, format_version, item_prefix, summary, warnings, result).
nlohmann::json set_json(const backup_host::proto::BackupSet& set);

// A plugin job's outcome: id, status, message (on failure), result, warnings.
nlohmann::json outcome_json(const PluginOutcome& outcome);

// `text` parsed as JSON; the text itself as a JSON string when it does not parse (a plugin's
// result is passed on, never dropped).
nlohmann::json json_or_text(const std::string& text);

// Writes `value` with a two-space indent and a newline, and flushes. DEL, C1 and bidi controls
// are written as \uXXXX escapes (the same values).
void print_json(std::FILE* out, const nlohmann::json& value);

// "certificates,files": the plugin ids of a set (one word, for a table column).
std::string plugin_list(const backup_host::proto::BackupSet& set);

}  // namespace certbackup::host
