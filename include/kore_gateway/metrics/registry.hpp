// Counters, gauges and histograms with label sets, rendered in the Prometheus text format 0.0.4.
//
// The hot path is lock-free: family.with({...}) returns a stable reference to the child for
// one label set (creating it under the family's mutex the first time), and increments on that
// reference are relaxed atomics. Callers on busy paths look a child up once and keep it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kore_gateway {

// The values of a child's labels, in the order of the family's label names.
using label_values = std::initializer_list<std::string_view>;
// Evaluated at every scrape, e.g. the cache's byte count; called without any metrics lock held.
using value_callback = std::function<double()>;

// A monotonically increasing count.
class counter {
public:
    static constexpr std::string_view type_name = "counter";

    void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

// A value that goes up and down.
class gauge {
public:
    static constexpr std::string_view type_name = "gauge";

    void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
    void inc(double d = 1) noexcept { value_.fetch_add(d, std::memory_order_relaxed); }
    void dec(double d = 1) noexcept { value_.fetch_sub(d, std::memory_order_relaxed); }
    double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

// A distribution of observations over fixed upper bounds (le, inclusive).
class histogram {
public:
    // bounds: strictly increasing, finite, owned by the family and outliving this histogram.
    explicit histogram(std::span<const double> bounds);

    void observe(double v) noexcept;

    struct snapshot {
        std::vector<std::uint64_t> cumulative; // one per bound, then +Inf (= the count)
        double sum = 0;
    };
    snapshot collect() const;

private:
    std::span<const double> bounds_;
    // Per-bucket (not cumulative) counts, the last one for observations above every bound.
    // The count is derived from them so that _count always equals the +Inf bucket.
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
    std::atomic<double> sum_{0};
};

namespace detail {
// Hash and equality of label value lists, transparent so that with() looks a child up from
// string_views without allocating. A hash table rather than an ordered map: each request
// looks up four children, and callgrind counted ~1,200 instructions per forward in the map's
// comparisons (bench/RESULTS.md, optimisation 18); render() sorts instead.
struct labels_hash {
    using is_transparent = void;
    std::size_t operator()(const std::vector<std::string>& labels) const;
    std::size_t operator()(label_values labels) const;
};
struct labels_equal {
    using is_transparent = void;
    bool operator()(const std::vector<std::string>& a, const std::vector<std::string>& b) const;
    bool operator()(const std::vector<std::string>& a, label_values b) const;
    bool operator()(label_values a, const std::vector<std::string>& b) const;
};
} // namespace detail

// What every family has: a name, help text, label names, and a way to render itself.
class family_base {
public:
    family_base(std::string name, std::string help, std::string_view type,
                std::vector<std::string> label_names);
    virtual ~family_base() = default;
    family_base(const family_base&) = delete;
    family_base& operator=(const family_base&) = delete;

    const std::string& name() const noexcept { return name_; }
    // Appends the # HELP and # TYPE lines and every sample.
    virtual void render(std::string& out) const = 0;

protected:
    void check_arity(std::size_t n) const;
    // Appends `{name="value",...}`, with one extra label last (for le); nothing when empty.
    void append_labels(std::string& out, const std::vector<std::string>& values,
                       std::string_view extra_name = {}, std::string_view extra_value = {}) const;
    void append_header(std::string& out) const;

    const std::uint64_t id_; // unique in the process, unlike an address, which may be reused
    std::string name_;
    std::string help_;
    std::string_view type_;
    std::vector<std::string> label_names_;
};

// The children of one family, keyed by label values; each is either a live metric or a
// callback evaluated at scrape time, never both (that would be a duplicate series).
template <class Metric> class family : public family_base {
public:
    // The child for these label values, created on first use; the reference stays valid for
    // the life of the family. Throws std::invalid_argument on a wrong number of values and
    // std::logic_error when the label set is callback-backed.
    Metric& with(label_values values);

protected:
    using family_base::family_base;
    virtual std::unique_ptr<Metric> make_child() const = 0;

    // Exactly one of the two is set.
    struct slot {
        std::unique_ptr<Metric> metric;
        value_callback callback;
    };
    mutable std::shared_mutex mutex_;
    std::unordered_map<std::vector<std::string>, slot, detail::labels_hash, detail::labels_equal>
        children_;
};

// A family of counters or gauges, any of whose label sets may instead be backed by a callback.
template <class Metric> class scalar_family final : public family<Metric> {
public:
    scalar_family(std::string name, std::string help, std::vector<std::string> label_names);

    // Backs this label set by fn (replacing an earlier callback). Throws std::invalid_argument
    // when fn is empty and std::logic_error when with() already created a live child for it.
    void set_callback(label_values values, value_callback fn);
    void render(std::string& out) const override;

private:
    std::unique_ptr<Metric> make_child() const override { return std::make_unique<Metric>(); }
};

using counter_family = scalar_family<counter>;
using gauge_family = scalar_family<gauge>;

// A family of histograms sharing one set of bucket bounds.
class histogram_family final : public family<histogram> {
public:
    // bounds: strictly increasing and finite; +Inf is implicit. Label "le" is reserved.
    histogram_family(std::string name, std::string help, std::vector<std::string> label_names,
                     std::vector<double> bounds);
    void render(std::string& out) const override;

private:
    std::unique_ptr<histogram> make_child() const override;
    std::vector<double> bounds_;
};

extern template class family<counter>;
extern template class family<gauge>;
extern template class family<histogram>;
extern template class scalar_family<counter>;
extern template class scalar_family<gauge>;

// Owns the families and renders them, ordered by name.
class metrics_registry {
public:
    // Each throws std::invalid_argument on an invalid or already registered name, an invalid
    // label name, or bad bucket bounds. The returned reference lives as long as the registry.
    counter_family& add_counter(std::string name, std::string help,
                                std::vector<std::string> label_names = {});
    gauge_family& add_gauge(std::string name, std::string help,
                            std::vector<std::string> label_names = {});
    histogram_family& add_histogram(std::string name, std::string help,
                                    std::vector<std::string> label_names,
                                    std::vector<double> bounds);

    // The whole exposition, text format 0.0.4 (Content-Type: text/plain; version=0.0.4).
    std::string render() const;

private:
    template <class Family, class... Args> Family& add(std::string name, Args&&... args);

    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<family_base>, std::less<>> families_;
};

// The Content-Type of render()'s output.
inline constexpr std::string_view prometheus_content_type = "text/plain; version=0.0.4";

} // namespace kore_gateway
