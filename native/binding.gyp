{
  "targets": [
    {
      "target_name": "b2m_linalg",
      "sources": ["src/b2m_linalg.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags!": ["-O2"],
      "defines": ["_GNU_SOURCE"],
      "libraries": ["-lopenblas", "-llapacke", "-lpthread", "-lm"]
    }
  ]
}
