/* config-private.h — shared inside the config module only. */
#pragma once

#include "config/config.h"

#include <string.h>
