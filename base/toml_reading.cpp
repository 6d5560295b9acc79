#include "certbackup/base/toml_reading.hpp"

namespace certbackup::toml_reading {

std::string position(std::string_view file, std::size_t line, std::size_t column) {
    std::string out(file);
    if (line > 0)
        out += ":" + std::to_string(line) + ":" + std::to_string(column);
    return out;
}

std::string position(std::string_view file, const toml::source_region& region) {
    return position(file, region.begin.line, region.begin.column);
}

Result<toml::table> parse(std::string_view text, std::string_view file, ErrorCode code,
                          std::string_view what_to_do) {
    try {
        return toml::parse(text, file);
    } catch (const toml::parse_error& error) {
        return fail(code, position(file, error.source()) + ": " + std::string(error.description()) +
                              std::string(what_to_do));
    } catch (const std::exception& error) {
        return fail(code, std::string(file) + ": cannot be read: " + error.what());
    }
}

const char* type_name(const toml::node& node) noexcept {
    switch (node.type()) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a floating-point number";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

const toml::key& later(const toml::key& a, const toml::key& b) noexcept {
    const auto& pa = a.source().begin;
    const auto& pb = b.source().begin;
    return (pa.line != pb.line ? pa.line > pb.line : pa.column > pb.column) ? a : b;
}

std::optional<ScalarValue> scalar_value(const toml::node& node) {
    if (const auto* text = node.as_string())
        return ScalarValue{ScalarValue::Kind::string, text->get()};
    if (const auto* flag = node.as_boolean())
        return ScalarValue{ScalarValue::Kind::boolean, flag->get() ? "true" : "false"};
    if (const auto* number = node.as_integer())
        return ScalarValue{ScalarValue::Kind::integer, std::to_string(number->get())};
    return std::nullopt;
}

std::string_view kind_name(ScalarValue::Kind kind) noexcept {
    switch (kind) {
        case ScalarValue::Kind::string:
            return "string";
        case ScalarValue::Kind::boolean:
            return "boolean";
        case ScalarValue::Kind::integer:
            return "integer";
    }
    return "value";
}

std::string kind_phrase(ScalarValue::Kind kind) {
    const std::string_view name = kind_name(kind);
    return (name.front() == 'i' ? "an " : "a ") + std::string(name);
}

}  // namespace certbackup::toml_reading
