// A job's JSON result written member by member, for results with thousands of entries: the
// text nlohmann::json would dump (compact, members in key order), without the document (about
// a kilobyte per entry) ever in memory whole.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace certbackup::plugin {

// An array member given by its length and a function making element `i`; the elements are
// made, dumped and dropped one at a time, in order.
struct JsonArrayMember {
    std::string_view key;
    std::size_t count = 0;
    std::function<nlohmann::json(std::size_t i)> element;
};

// `members` (an object of the small members) together with `arrays`, as one object: the same
// text as dumping `members` with the arrays added. A key in both is a caller's error: the array
// is written and the member left out.
std::string json_object(const nlohmann::json& members, const std::vector<JsonArrayMember>& arrays);

}  // namespace certbackup::plugin
