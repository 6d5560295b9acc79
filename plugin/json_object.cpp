#include "json_object.hpp"

#include <algorithm>

namespace certbackup::plugin {
namespace {

void append_key(std::string& out, std::string_view key) {
    if (out.back() != '{')
        out += ',';
    out += nlohmann::json(key).dump();
    out += ':';
}

void append_array(std::string& out, const JsonArrayMember& array) {
    append_key(out, array.key);
    out += '[';
    for (std::size_t i = 0; i < array.count; ++i) {
        if (i != 0)
            out += ',';
        out += array.element(i).dump();
    }
    out += ']';
}

}  // namespace

std::string json_object(const nlohmann::json& members, const std::vector<JsonArrayMember>& arrays) {
    std::vector<const JsonArrayMember*> sorted;
    for (const auto& array : arrays)
        sorted.push_back(&array);
    std::sort(sorted.begin(), sorted.end(),
              [](const auto* a, const auto* b) { return a->key < b->key; });
    std::string out = "{";
    auto next_array = sorted.begin();
    for (const auto& [key, value] : members.items()) {  // an object's items are in key order
        while (next_array != sorted.end() && (*next_array)->key < key)
            append_array(out, **next_array++);
        if (next_array != sorted.end() && (*next_array)->key == key)
            continue;
        append_key(out, key);
        out += value.dump();
    }
    while (next_array != sorted.end())
        append_array(out, **next_array++);
    out += '}';
    return out;
}

}  // namespace certbackup::plugin
