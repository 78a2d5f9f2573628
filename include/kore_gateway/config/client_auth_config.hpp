// The client-authentication part of the configuration (CONTRACT.md section 17): the file's
// "clients" array and the checks that need the whole configuration and its route table. Used by
// config_loader once the route table is built.
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kore_gateway/config/config.hpp"
#include "kore_gateway/config/route_table.hpp"

namespace kore_gateway {

// The file's "clients" value (an array; null when absent), each entry checked: key_sha256
// lower-cased, routes (each a route of table) and scopes sorted without repeats; the result
// sorted by id. Throws config_error naming the key ("key 'clients[1].key_sha256'"), never showing
// a key_sha256 value.
std::vector<api_client> parse_clients(const nlohmann::json& clients, const route_table& table);

// JWT accepted anywhere (globally or by a route of table) needs the JWKS URL, issuer and
// audience; API keys as the only accepted credential anywhere need at least one client.
// client_auth_source names where config.client_auth came from ("GATEWAY_CLIENT_AUTH" or
// "key 'client_auth'"). Throws config_error naming every missing variable.
void check_client_auth(const gateway_config& config, const route_table& table,
                       std::string_view client_auth_source);

} // namespace kore_gateway
