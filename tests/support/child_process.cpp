#include "support/child_process.hpp"

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/regex.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/eventually.hpp"

namespace kore_gateway::testing {

child_process::child_process(const std::string& program, const std::vector<std::string>& args,
                             const std::map<std::string, std::string>& env, const std::string& cwd,
                             std::string output_file)
    : output_file_(std::move(output_file)) {
    // Everything the child needs is made before fork: after it only async-signal-safe calls.
    std::vector<std::string> argv_text{program};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<std::string> env_text{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
    for (const auto& [name, value] : env) {
        env_text.push_back(name + "=" + value);
    }
    std::vector<char*> argv;
    for (auto& a : argv_text) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env_text) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);
    const int out = ::open(output_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) {
        throw std::runtime_error("cannot create " + output_file_);
    }
    pid_ = ::fork();
    if (pid_ == 0) {
        if (::chdir(cwd.c_str()) != 0 || ::dup2(out, STDOUT_FILENO) < 0 ||
            ::dup2(out, STDERR_FILENO) < 0) {
            ::_exit(126);
        }
        ::execve(program.c_str(), argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(out);
    if (pid_ < 0) {
        throw std::runtime_error("fork failed");
    }
}

child_process::~child_process() {
    if (!exited_) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}

void child_process::signal(int signo) const {
    ::kill(pid_, signo);
}

std::optional<int> child_process::wait_for_exit(std::chrono::milliseconds bound) {
    std::optional<int> status;
    eventually(
        [&] {
            int raw = 0;
            if (::waitpid(pid_, &raw, WNOHANG) == pid_) {
                exited_ = true;
                status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
            }
            return status.has_value();
        },
        bound);
    return status;
}

std::string child_process::output() const {
    std::ifstream file(output_file_);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

std::optional<std::uint16_t>
child_process::wait_for_listening_port(std::chrono::milliseconds bound) const {
    static const boost::regex listening(R"(listening on [0-9.]+:([0-9]+))");
    std::optional<std::uint16_t> port;
    eventually(
        [&] {
            boost::smatch found;
            const auto text = output();
            if (boost::regex_search(text, found, listening)) {
                port = static_cast<std::uint16_t>(std::stoi(found[1].str()));
            }
            return port.has_value();
        },
        bound);
    return port;
}

temporary_directory::temporary_directory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kore-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
}

temporary_directory::~temporary_directory() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

} // namespace kore_gateway::testing
