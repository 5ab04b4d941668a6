# Shared compiler settings and helpers for every FedPilot target.

find_program(FEDPILOT_CCACHE ccache)
if(FEDPILOT_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${FEDPILOT_CCACHE})
endif()

if(FEDPILOT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# Warnings for our own targets (not for third-party headers, which come in as SYSTEM).
function(fedpilot_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()

# One GoogleTest executable per engine test source file, labelled for ctest.
function(fedpilot_add_gtest name source label)
  add_executable(${name} ${source})
  target_link_libraries(${name} PRIVATE ${ARGN} GTest::gtest GTest::gtest_main)
  set_target_properties(${name} PROPERTIES AUTOMOC OFF)
  fedpilot_warnings(${name})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${label}" TIMEOUT 900)
endfunction()

# One Qt Test executable per core/ui/integration test source file.
function(fedpilot_add_qtest name source label)
  add_executable(${name} ${source})
  target_link_libraries(${name} PRIVATE ${ARGN} Qt6::Test)
  fedpilot_warnings(${name})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${label}" TIMEOUT 900
    ENVIRONMENT "QT_QPA_PLATFORM=offscreen")
endfunction()
