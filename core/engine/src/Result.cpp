#include "fedpilot/engine/Result.h"

namespace fedpilot::engine {

const std::string& Status::message() const
{
    static const std::string kEmpty;
    return m_error ? *m_error : kEmpty;
}

}  // namespace fedpilot::engine
