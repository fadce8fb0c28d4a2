/* The golden cases of qemuxmlconftest.c, one line each. */

DO_TEST("aarch64-2smmu-basic", "aarch64-2smmu");
