# Small helpers shared by every module's CMakeLists.txt.

# Warnings and include root for a project target.
function(cb_target_defaults target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${CB_CXX_WARNINGS}>)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()

# cb_add_library(name SOURCES ... DEPS ...): a static library with project defaults.
function(cb_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  cb_target_defaults(${name})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# cb_add_gtest(name LABELS unit|mpi|gpu|validation|slow SOURCES ... DEPS ...)
function(cb_add_gtest name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  cb_target_defaults(${name})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE CB_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}"
                       ENVIRONMENT "CB_CONFIG_PATH=${PROJECT_SOURCE_DIR}/configs")
endfunction()

# Backends register themselves: cb_register_backend(TARGET fn) records a target
# to link into the app and a `void fn(cb::Backends&)` to call at start-up. The
# app's registration file is generated, so apps/ compiles the same whatever is on.
function(cb_register_backend target fn)
  set_property(GLOBAL APPEND PROPERTY CB_BACKEND_TARGETS ${target})
  set_property(GLOBAL APPEND PROPERTY CB_BACKEND_FUNCTIONS ${fn})
endfunction()
