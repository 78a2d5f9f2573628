// The real kore-gateway executable as a child process, for what only a process shows: start-up
// messages, the working directory, exit codes and signals. Its stdout and stderr go to one file.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace kore_gateway::testing {

// How long a test waits for the gateway process to start or exit: only catches a hang, since
// either takes well under a second.
inline constexpr std::chrono::seconds start_bound{20};

class child_process {
public:
    // Starts program with args in directory cwd, with exactly env as its environment (PATH
    // added), its output going to output_file. Throws when it cannot be started.
    child_process(const std::string& program, const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env, const std::string& cwd,
                  std::string output_file);
    ~child_process(); // SIGKILLs the child if it still runs

    void signal(int signo) const;
    // The exit status once the child has ended within bound; nullopt if it still runs then.
    std::optional<int> wait_for_exit(std::chrono::milliseconds bound);
    std::string output() const;
    // The port of the "listening on ADDRESS:PORT" log line, once it appears within bound.
    std::optional<std::uint16_t> wait_for_listening_port(std::chrono::milliseconds bound) const;

private:
    pid_t pid_ = -1;
    bool exited_ = false;
    std::string output_file_;
};

// A fresh empty directory under the system's temporary directory, removed with the object.
class temporary_directory {
public:
    temporary_directory();
    ~temporary_directory();
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

} // namespace kore_gateway::testing
