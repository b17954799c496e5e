// Headers only (include/CBenchLinux.h); SwiftPM wants a source file in a C target.
