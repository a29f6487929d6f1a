# arborist_embed(<target-name> <output.cpp> <files...>)
# Generates one C++ source defining arborist::resources::all(): a table of
# {relative name, contents} so prompt templates and schemas ship inside the binary.
function(arborist_embed name output)
  set(inputs ${ARGN})
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DROOT=${CMAKE_SOURCE_DIR}
            "-DINPUTS=${inputs}" -P ${CMAKE_SOURCE_DIR}/src/cmake/EmbedScript.cmake
    DEPENDS ${inputs} ${CMAKE_SOURCE_DIR}/src/cmake/EmbedScript.cmake
    COMMENT "Embedding ${name}"
    VERBATIM)
endfunction()
