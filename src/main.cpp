#include <iostream>

int main() {
    std::cout << "kore-gateway " << KORE_GATEWAY_VERSION << "\n";
    return 0;
}
