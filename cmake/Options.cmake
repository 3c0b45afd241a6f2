# Build options. Optional backends are tri-state: AUTO (use if found), ON (fail if
# missing), OFF (never). Each prints one loud status line in Dependencies.cmake.
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

foreach(backend CUDA NCCL MPI)
  set(CB_ENABLE_${backend} AUTO CACHE STRING "Build the ${backend} backend: AUTO, ON or OFF")
  set_property(CACHE CB_ENABLE_${backend} PROPERTY STRINGS AUTO ON OFF)
  if(NOT CB_ENABLE_${backend} MATCHES "^(AUTO|ON|OFF)$")
    message(FATAL_ERROR "CB_ENABLE_${backend}=${CB_ENABLE_${backend}}: expected AUTO, ON or OFF")
  endif()
endforeach()

option(CB_WARNINGS_AS_ERRORS "Treat compiler warnings as errors" OFF)
option(CB_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
# 80 = A100, 90 = H100/H200. CI narrows this to keep the build short.
set(CB_CUDA_ARCHITECTURES "80;90" CACHE STRING "CUDA architectures to compile for")

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

find_program(CB_CCACHE ccache)
if(CB_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CB_CCACHE}")
  set(CMAKE_CUDA_COMPILER_LAUNCHER "${CB_CCACHE}")
endif()

# Flags every project target gets (through cb_target_defaults in Helpers.cmake).
set(CB_CXX_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wimplicit-fallthrough)
if(CB_WARNINGS_AS_ERRORS)
  list(APPEND CB_CXX_WARNINGS -Werror)
endif()
if(CB_SANITIZE)
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-omit-frame-pointer>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-sanitize-recover=undefined>)
  add_link_options(-fsanitize=address,undefined)
endif()
