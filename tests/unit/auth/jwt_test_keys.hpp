// One JWT signer per algorithm, generated once for the whole test binary: RSA key generation is
// too slow to repeat in every test.
#pragma once

#include <vector>

#include "kore_gateway/mock/jwt_signer.hpp"

namespace kore_gateway::testing {

struct jwt_test_keys {
    jwt_signer rs256{jwt_alg::rs256, "rsa-1"};
    jwt_signer ps256{jwt_alg::ps256, "pss-1"};
    jwt_signer es256{jwt_alg::es256, "ec-1"};
    jwt_signer eddsa{jwt_alg::eddsa, "ed-1"};

    std::vector<const jwt_signer*> all() const { return {&rs256, &ps256, &es256, &eddsa}; }
};

inline const jwt_test_keys& jwt_keys() {
    static const jwt_test_keys made;
    return made;
}

} // namespace kore_gateway::testing
