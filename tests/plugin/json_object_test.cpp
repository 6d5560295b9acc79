// The job results written member by member (plugin/json_object.hpp) are the text nlohmann::json
// dumps for the whole document: the results of backup and restore did not change when they
// stopped building it.
#include "plugin/json_object.hpp"

#include <gtest/gtest.h>

namespace certbackup::plugin {
namespace {

nlohmann::json element(std::size_t i) {
    return {{"sha256", std::string(64, static_cast<char>('a' + i % 6))},
            {"subject", "CN=entry " + std::to_string(i) + " \"quoted\" \xC3\xA4"},
            {"bindings", nlohmann::json::array({"database/db" + std::to_string(i)})}};
}

TEST(JsonObject, IsTheTextOfTheWholeDocumentWithArraysAmongTheMembersInKeyOrder) {
    const nlohmann::json members = {{"bytes", 1234567},
                                    {"committed", true},
                                    {"snapshot_id", "0123abcd"},
                                    {"target_store", "/var/lib/x \"y\""},
                                    {"warnings", nlohmann::json::array({"w1", "w2"})}};
    for (const std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
        // Keys before, between and after the members, and an empty array.
        const std::vector<JsonArrayMember> arrays = {
            {"not_in_backup", 2, element}, {"actions", count, element}, {"zzz", 0, element}};
        nlohmann::json whole = members;
        for (const auto& array : arrays) {
            nlohmann::json values = nlohmann::json::array();
            for (std::size_t i = 0; i < array.count; ++i)
                values.push_back(array.element(i));
            whole[std::string(array.key)] = values;
        }
        EXPECT_EQ(json_object(members, arrays), whole.dump()) << count;
    }
    EXPECT_EQ(json_object(nlohmann::json::object(), {}), "{}");
    EXPECT_EQ(json_object(nlohmann::json::object(), {{"only", 1, element}}),
              nlohmann::json({{"only", nlohmann::json::array({element(0)})}}).dump());
}

}  // namespace
}  // namespace certbackup::plugin
