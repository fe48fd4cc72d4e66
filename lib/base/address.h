// base/address.h — IP and socket addresses; public (see <sansrtc/address.h>).
#pragma once

#include "base/bytes.h"
#include <sansrtc/address.h>
