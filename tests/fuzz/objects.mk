# Compiles the library sources the fuzz targets link, once, into $(OBJ) (tests/fuzz/run.sh runs
# this): several targets share the objects and a second run rebuilds only what changed (-MMD).
# Variables from run.sh: OBJ, SRCS, FUZZ_CC, FUZZ_CFLAGS (the last two in the environment).
OBJS := $(patsubst %.c,$(OBJ)/%.o,$(SRCS))

all: $(OBJS)

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

-include $(OBJS:.o=.d)
.PHONY: all
