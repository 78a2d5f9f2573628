#include "kore_gateway/metrics/registry.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

namespace kore_gateway {

namespace {

bool is_name_start(char c, bool allow_colon) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (allow_colon && c == ':');
}

bool is_valid_name(std::string_view s, bool allow_colon) {
    if (s.empty() || !is_name_start(s.front(), allow_colon)) {
        return false;
    }
    return std::all_of(s.begin(), s.end(), [allow_colon](char c) {
        return is_name_start(c, allow_colon) || (c >= '0' && c <= '9');
    });
}

// Go's strconv.FormatFloat(v, 'g', -1, 64), which Prometheus' own clients use: shortest
// round-trip digits, "0.0005" rather than "5e-04".
void append_value(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
    } else if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
    } else {
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general);
        out.append(buf, r.ptr);
    }
}

void append_value(std::string& out, std::uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

// Label values escape backslash, double quote and newline; help text only backslash and newline.
void append_escaped(std::string& out, std::string_view s, bool quote) {
    for (char c : s) {
        switch (c) {
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '"':
            if (quote) {
                out += "\\\"";
                break;
            }
            [[fallthrough]];
        default:
            out += c;
        }
    }
}

std::uint64_t next_family_id() {
    static std::atomic<std::uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
}

template <class Labels> std::size_t hash_labels(const Labels& labels) {
    std::size_t h = labels.size();
    for (const std::string_view value : labels) {
        h = h * 31 + std::hash<std::string_view>{}(value);
    }
    return h;
}

template <class A, class B> bool equal_labels(const A& a, const B& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](std::string_view x, std::string_view y) { return x == y; });
}

// Samples in the order of their label values, whatever the hash table's order: scrapes stay
// stable and diffable.
template <class Sample> void sort_by_labels(std::vector<Sample>& samples) {
    std::sort(samples.begin(), samples.end(), [](const Sample& a, const Sample& b) {
        return std::lexicographical_compare(a.first->begin(), a.first->end(), b.first->begin(),
                                            b.first->end());
    });
}

} // namespace

histogram::histogram(std::span<const double> bounds)
    : bounds_(bounds), counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {}

void histogram::observe(double v) noexcept {
    // A NaN would poison _sum for the life of the process.
    if (std::isnan(v)) {
        return;
    }
    auto i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
    counts_[static_cast<std::size_t>(i)].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(v, std::memory_order_relaxed);
}

histogram::snapshot histogram::collect() const {
    snapshot s;
    s.cumulative.reserve(bounds_.size() + 1);
    std::uint64_t total = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        total += counts_[i].load(std::memory_order_relaxed);
        s.cumulative.push_back(total);
    }
    s.sum = sum_.load(std::memory_order_relaxed);
    return s;
}

namespace detail {

std::size_t labels_hash::operator()(const std::vector<std::string>& labels) const {
    return hash_labels(labels);
}

std::size_t labels_hash::operator()(label_values labels) const {
    return hash_labels(labels);
}

bool labels_equal::operator()(const std::vector<std::string>& a,
                              const std::vector<std::string>& b) const {
    return a == b;
}

bool labels_equal::operator()(const std::vector<std::string>& a, label_values b) const {
    return equal_labels(a, b);
}

bool labels_equal::operator()(label_values a, const std::vector<std::string>& b) const {
    return equal_labels(a, b);
}

} // namespace detail

family_base::family_base(std::string name, std::string help, std::string_view type,
                         std::vector<std::string> label_names)
    : id_(next_family_id()), name_(std::move(name)), help_(std::move(help)), type_(type),
      label_names_(std::move(label_names)) {
    if (!is_valid_name(name_, true)) {
        throw std::invalid_argument("invalid metric name '" + name_ + "'");
    }
    for (std::size_t i = 0; i < label_names_.size(); ++i) {
        const auto& l = label_names_[i];
        if (!is_valid_name(l, false) || l.starts_with("__")) {
            throw std::invalid_argument(name_ + ": invalid label name '" + l + "'");
        }
        if (std::find(label_names_.begin(), label_names_.begin() + i, l) !=
            label_names_.begin() + i) {
            throw std::invalid_argument(name_ + ": duplicate label name '" + l + "'");
        }
    }
}

void family_base::check_arity(std::size_t n) const {
    if (n != label_names_.size()) {
        throw std::invalid_argument(name_ + ": expected " + std::to_string(label_names_.size()) +
                                    " label values, got " + std::to_string(n));
    }
}

void family_base::append_labels(std::string& out, const std::vector<std::string>& values,
                                std::string_view extra_name, std::string_view extra_value) const {
    if (values.empty() && extra_name.empty()) {
        return;
    }
    out += '{';
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        out += label_names_[i];
        out += "=\"";
        append_escaped(out, values[i], true);
        out += '"';
    }
    if (!extra_name.empty()) {
        if (!values.empty()) {
            out += ',';
        }
        out += extra_name;
        out += "=\"";
        out += extra_value;
        out += '"';
    }
    out += '}';
}

void family_base::append_header(std::string& out) const {
    out += "# HELP ";
    out += name_;
    out += ' ';
    append_escaped(out, help_, false);
    out += "\n# TYPE ";
    out += name_;
    out += ' ';
    out += type_;
    out += '\n';
}

template <class Metric> Metric& family<Metric>::with(label_values values) {
    this->check_arity(values.size());
    // Each thread remembers the children it asked for last. A request asks for the same few
    // every time, and the shared lock is a cache line that every I/O thread writes (its reader
    // count) on every lookup; callgrind put the lock and the hash table walk at ~1,000
    // instructions of a forward. Entries name their family by id, never by address, so that a
    // family made where a destroyed one was is not taken for it; children are never removed, so
    // an entry's pointers live as long as its family.
    // No hash of the labels here: comparing the few short values of an entry of this family
    // costs less than hashing them (a third of a hit's ~290 instructions went to it).
    struct remembered {
        std::uint64_t family = 0;
        const std::vector<std::string>* labels = nullptr;
        Metric* metric = nullptr;
    };
    thread_local std::array<remembered, 8> last{};
    thread_local std::size_t next = 0;
    for (const auto& entry : last) {
        if (entry.family == this->id_ && equal_labels(*entry.labels, values)) {
            return *entry.metric;
        }
    }
    const auto remember = [&](const std::vector<std::string>& labels, Metric& metric) -> Metric& {
        last[next] = {this->id_, &labels, &metric};
        next = (next + 1) % last.size();
        return metric;
    };
    {
        std::shared_lock lock(mutex_);
        auto it = children_.find(values);
        if (it != children_.end() && it->second.metric) {
            return remember(it->first, *it->second.metric);
        }
    }
    std::unique_lock lock(mutex_);
    auto it = children_.find(values);
    if (it == children_.end()) {
        it = children_
                 .emplace(std::vector<std::string>(values.begin(), values.end()),
                          slot{make_child(), {}})
                 .first;
    } else if (it->second.callback) {
        throw std::logic_error(this->name_ + ": label set is callback-backed");
    }
    return remember(it->first, *it->second.metric);
}

template <class Metric>
scalar_family<Metric>::scalar_family(std::string name, std::string help,
                                     std::vector<std::string> label_names)
    : family<Metric>(std::move(name), std::move(help), Metric::type_name, std::move(label_names)) {}

template <class Metric>
void scalar_family<Metric>::set_callback(label_values values, value_callback fn) {
    this->check_arity(values.size());
    if (!fn) {
        throw std::invalid_argument(this->name_ + ": empty callback");
    }
    std::unique_lock lock(this->mutex_);
    auto it = this->children_.find(values);
    if (it == this->children_.end()) {
        this->children_.emplace(std::vector<std::string>(values.begin(), values.end()),
                                typename family<Metric>::slot{nullptr, std::move(fn)});
    } else if (it->second.metric) {
        throw std::logic_error(this->name_ + ": label set already has a live " +
                               std::string(this->type_));
    } else {
        it->second.callback = std::move(fn);
    }
}

template <class Metric> void scalar_family<Metric>::render(std::string& out) const {
    // Live values are read under the lock; callbacks are copied and called after it is released,
    // so that a callback taking its own lock can never deadlock against with().
    using value = std::variant<std::uint64_t, double, value_callback>;
    std::vector<std::pair<const std::vector<std::string>*, value>> samples;
    {
        std::shared_lock lock(this->mutex_);
        samples.reserve(this->children_.size());
        for (const auto& [labels, s] : this->children_) {
            if (s.callback) {
                samples.emplace_back(&labels, s.callback);
            } else {
                samples.emplace_back(&labels, s.metric->value());
            }
        }
    }
    sort_by_labels(samples);
    this->append_header(out);
    for (const auto& [labels, v] : samples) {
        out += this->name_;
        this->append_labels(out, *labels);
        out += ' ';
        std::visit(
            [&out](const auto& x) {
                if constexpr (std::is_same_v<std::decay_t<decltype(x)>, value_callback>) {
                    append_value(out, x());
                } else {
                    append_value(out, x);
                }
            },
            v);
        out += '\n';
    }
}

histogram_family::histogram_family(std::string name, std::string help,
                                   std::vector<std::string> label_names, std::vector<double> bounds)
    : family<histogram>(std::move(name), std::move(help), "histogram", std::move(label_names)),
      bounds_(std::move(bounds)) {
    if (std::find(label_names_.begin(), label_names_.end(), "le") != label_names_.end()) {
        throw std::invalid_argument(name_ + ": label name 'le' is reserved for buckets");
    }
    if (bounds_.empty()) {
        throw std::invalid_argument(name_ + ": a histogram needs at least one bucket bound");
    }
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1])) {
            throw std::invalid_argument(name_ + ": bucket bounds must be finite and increasing");
        }
    }
}

std::unique_ptr<histogram> histogram_family::make_child() const {
    return std::make_unique<histogram>(bounds_);
}

void histogram_family::render(std::string& out) const {
    std::vector<std::pair<const std::vector<std::string>*, histogram::snapshot>> samples;
    {
        std::shared_lock lock(mutex_);
        samples.reserve(children_.size());
        for (const auto& [labels, s] : children_) {
            samples.emplace_back(&labels, s.metric->collect());
        }
    }
    sort_by_labels(samples);
    append_header(out);
    std::string le;
    for (const auto& [labels, snap] : samples) {
        for (std::size_t i = 0; i < snap.cumulative.size(); ++i) {
            le.clear();
            if (i < bounds_.size()) {
                append_value(le, bounds_[i]);
            } else {
                le = "+Inf";
            }
            out += name_;
            out += "_bucket";
            append_labels(out, *labels, "le", le);
            out += ' ';
            append_value(out, snap.cumulative[i]);
            out += '\n';
        }
        out += name_;
        out += "_sum";
        append_labels(out, *labels);
        out += ' ';
        append_value(out, snap.sum);
        out += '\n';
        out += name_;
        out += "_count";
        append_labels(out, *labels);
        out += ' ';
        append_value(out, snap.cumulative.back());
        out += '\n';
    }
}

template class family<counter>;
template class family<gauge>;
template class family<histogram>;
template class scalar_family<counter>;
template class scalar_family<gauge>;

template <class Family, class... Args>
Family& metrics_registry::add(std::string name, Args&&... args) {
    auto f = std::make_unique<Family>(name, std::forward<Args>(args)...);
    auto& ref = *f;
    std::lock_guard lock(mutex_);
    if (!families_.emplace(std::move(name), std::move(f)).second) {
        throw std::invalid_argument("metric '" + ref.name() + "' is already registered");
    }
    return ref;
}

counter_family& metrics_registry::add_counter(std::string name, std::string help,
                                              std::vector<std::string> label_names) {
    return add<counter_family>(std::move(name), std::move(help), std::move(label_names));
}

gauge_family& metrics_registry::add_gauge(std::string name, std::string help,
                                          std::vector<std::string> label_names) {
    return add<gauge_family>(std::move(name), std::move(help), std::move(label_names));
}

histogram_family& metrics_registry::add_histogram(std::string name, std::string help,
                                                  std::vector<std::string> label_names,
                                                  std::vector<double> bounds) {
    return add<histogram_family>(std::move(name), std::move(help), std::move(label_names),
                                 std::move(bounds));
}

std::string metrics_registry::render() const {
    // Families are never removed, so the pointers outlive the lock; rendering without it keeps
    // a slow callback from blocking registration.
    std::vector<const family_base*> families;
    {
        std::lock_guard lock(mutex_);
        families.reserve(families_.size());
        for (const auto& [name, f] : families_) {
            families.push_back(f.get());
        }
    }
    std::string out;
    for (const auto* f : families) {
        f->render(out);
    }
    return out;
}

} // namespace kore_gateway
