// One entry of the config file's "routes" array read field by field (CONTRACT.md section 10):
// each field's type, syntax and default, and the checks that involve only that entry (the path,
// params and query fields are in route_target_fields.hpp). build_route_table assembles the rows
// and checks them against each other.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kore_gateway/config/route_table.hpp"

namespace kore_gateway {

// The problems of one route, each starting with its label: "routes[2] 'deal_sheets': ".
class route_problems {
public:
    route_problems(std::string label, std::vector<std::string>& out)
        : label_(std::move(label)), out_(out), first_(out.size()) {}

    // "<label>: field '<field>': <what>"
    void add(std::string_view field, std::string_view what);
    const std::string& label() const { return label_; }
    std::vector<std::string>& out() { return out_; }
    bool any() const { return out_.size() != first_; }

private:
    std::string label_;
    std::vector<std::string>& out_;
    std::size_t first_;
};

// Route names and path parameter names are at most this long.
inline constexpr std::size_t max_route_name_length = 64;

// The field readers' shared pieces. The member key of entry (an object); nullptr when absent.
const nlohmann::json* find_field(const nlohmann::json& entry, std::string_view key);

// "must be <expected>, not <value's JSON type>": a field's problem when its type is wrong.
std::string wrong_type(std::string_view expected, const nlohmann::json& value);

// "routes[2] 'deal_sheets'", or "routes[2]" when the entry has no usable name.
std::string route_label(std::size_t index, const nlohmann::json& entry);

// Reports every member of entry (an object) that is not a ROUTE field.
void check_known_fields(const nlohmann::json& entry, route_problems& problems);

// The entry's name when it is present and valid ([a-z][a-z0-9_]{0,63}).
std::optional<std::string> parse_route_name(const nlohmann::json& entry, route_problems& problems);

// The entry's "enabled" (default true).
bool parse_route_enabled(const nlohmann::json& entry, route_problems& problems);

// The row of an enabled entry after reporting every faulty field; with problems it holds what
// could be read, for the checks across routes: method http::verb::unknown when unread, path
// empty when not a valid template.
route_row parse_route(const nlohmann::json& entry, std::string name,
                      const route_table_inputs& inputs, route_problems& problems);

} // namespace kore_gateway
