// tests/embedded/firmware/startup.c — reset path for the Cortex-M33 image.
//
// Reset_Handler (assembly, so nothing touches the FPU before it is on):
//   1. enables CP10/CP11 (the FPU) in CPACR: code built -mfloat-abi=hard
//      may use FP registers anywhere, even in a memcpy;
//   2. calls reset_c(), which paints the unused stack (for the high-water
//      mark), copies .data from flash, zeroes .bss, runs the static
//      constructors and calls main(); main's status goes to fw_exit().
#include <stdint.h>
#include <string.h>

#include "runtime.h"

extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_top[], __stack_limit[];
extern void (*__preinit_array_start[])(void);
extern void (*__preinit_array_end[])(void);
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);

int main(void);
void Reset_Handler(void);
void reset_c(void);

static void fault(const char* what) {
  fw_puts("FAULT: ");
  fw_puts(what);
  fw_puts("\n");
  fw_exit(100);
}
void NMI_Handler(void) { fault("NMI"); }
void HardFault_Handler(void) { fault("HardFault"); }
void MemManage_Handler(void) { fault("MemManage"); }
void BusFault_Handler(void) { fault("BusFault"); }
void UsageFault_Handler(void) { fault("UsageFault"); }
void SecureFault_Handler(void) { fault("SecureFault"); }
void Default_Handler(void) { fault("unexpected exception"); }

__attribute__((section(".vectors"), used)) void (*const vector_table[16])(void) = {
    (void (*)(void))__stack_top,
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    SecureFault_Handler,
    0, 0, 0,
    Default_Handler,  // SVCall
    Default_Handler,  // DebugMonitor
    0,
    Default_Handler,  // PendSV
    Default_Handler,  // SysTick
};

__attribute__((naked)) void Reset_Handler(void) {
  __asm volatile(
      "ldr r0, =0xE000ED88\n"   // SCB->CPACR
      "ldr r1, [r0]\n"
      "orr r1, r1, #(0xF << 20)\n"  // CP10, CP11: full access
      "str r1, [r0]\n"
      "dsb\n"
      "isb\n"
      "ldr r0, =__stack_limit\n"   // MSPLIM: a stack overflow faults
      "msr msplim, r0\n"
      "b reset_c\n");
}

void reset_c(void) {
  // Paint from the stack limit up to a little below the current stack
  // pointer; fw_stack_high_water() finds the lowest overwritten word.
  uint32_t* sp;
  __asm volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t* p = __stack_limit; p < sp - 16; ++p) *p = FW_STACK_PAINT;

  memcpy(__data_start, __data_load, (size_t)((char*)__data_end - (char*)__data_start));
  memset(__bss_start, 0, (size_t)((char*)__bss_end - (char*)__bss_start));
  for (void (**f)(void) = __preinit_array_start; f < __preinit_array_end; ++f) (*f)();
  for (void (**f)(void) = __init_array_start; f < __init_array_end; ++f) (*f)();
  fw_exit(main());
}

uint32_t fw_stack_high_water(void) {
  const uint32_t* p = __stack_limit;
  while (p < __stack_top && *p == FW_STACK_PAINT) ++p;
  return (uint32_t)((char*)__stack_top - (char*)p);
}

uint32_t fw_static_ram(void) { return (uint32_t)((char*)__bss_end - (char*)__data_start); }

uint32_t fw_stack_size(void) { return (uint32_t)((char*)__stack_top - (char*)__stack_limit); }
