#pragma once
// Errors are values at the engine boundary: no exception leaves the engine.

#include <optional>
#include <string>
#include <utility>

namespace fedpilot::engine {

// Success, or an error with a human-readable message.
class Status {
public:
    static Status ok() { return Status(); }
    static Status error(std::string message) { return Status(std::move(message)); }

    bool isOk() const { return !m_error.has_value(); }
    explicit operator bool() const { return isOk(); }
    // The error message; empty when ok.
    const std::string& message() const;

private:
    Status() = default;
    explicit Status(std::string message) : m_error(std::move(message)) {}
    std::optional<std::string> m_error;
};

// A value or an error message.
template <typename T>
class Result {
public:
    Result(T value) : m_value(std::move(value)) {}  // NOLINT: implicit by design
    Result(Status status) : m_status(std::move(status)) {}  // NOLINT: must be an error status

    static Result error(std::string message) { return Result(Status::error(std::move(message))); }

    bool isOk() const { return m_value.has_value(); }
    explicit operator bool() const { return isOk(); }
    const std::string& message() const { return m_status.message(); }
    Status status() const { return isOk() ? Status::ok() : m_status; }

    T& value() & { return *m_value; }
    const T& value() const& { return *m_value; }
    T&& value() && { return std::move(*m_value); }
    T* operator->() { return &*m_value; }
    const T* operator->() const { return &*m_value; }

private:
    std::optional<T> m_value;
    Status m_status = Status::error("no value");
};

}  // namespace fedpilot::engine
