; Prints one known line and exits. -DMESSAGE='"..."' prints another: the decoys (INSTALL.EXE,
; SETUP.EXE) are this program saying that the wrong one ran.
%include "dos.inc"

%ifndef MESSAGE
%define MESSAGE "ROMVAULT HELLO"
%endif

start:
        push cs                         ; an .EXE starts with DS on its PSP, not its data
        pop ds
        PRINT message
        EXIT

message db MESSAGE, 13, 10, "$"

PROGRAM_END
