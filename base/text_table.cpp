#include "certbackup/base/text_table.hpp"

#include <algorithm>
#include <cstddef>

#include "certbackup/base/printable_text.hpp"

namespace certbackup {

std::string format_table(const std::vector<std::vector<std::string>>& raw_rows) {
    // Cells come from set records, state files, stores and PFX files: hostile text is escaped.
    std::vector<std::vector<std::string>> rows;
    rows.reserve(raw_rows.size());
    for (const auto& raw_row : raw_rows) {
        std::vector<std::string>& row = rows.emplace_back();
        for (const std::string& cell : raw_row)
            row.push_back(printable(cell));
    }
    std::vector<std::size_t> widths;
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (widths.size() <= i)
                widths.push_back(0);
            widths[i] = std::max(widths[i], row[i].size());
        }
    std::string text;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size())
                line += std::string(widths[i] - row[i].size() + 2, ' ');
        }
        text += line + "\n";
    }
    return text;
}

}  // namespace certbackup
