; VGA mode 13h filled with one known colour (palette entry 1 set to 63, 21, 42 of 63: a pink no
; default palette entry has), until a key is pressed; then text mode and a last line.
%include "dos.inc"

COLOUR equ 1

start:
        push cs
        pop ds
        PRINT starting
        mov ax, 0x0013                  ; 320x200, 256 colours, one byte a pixel at A000:0000
        int 0x10
        mov dx, 0x3C8                   ; the DAC: index, then red, green, blue (6 bits each)
        mov al, COLOUR
        out dx, al
        inc dx
        mov al, 63
        out dx, al
        mov al, 21
        out dx, al
        mov al, 42
        out dx, al
        mov ax, 0xA000
        mov es, ax
        xor di, di
        mov ax, COLOUR * 0x0101
        mov cx, 320 * 200 / 2
        cld
        rep stosw
        xor ah, ah                      ; wait for a key: the screen stays to be looked at
        int 0x16
        mov ax, 0x0003
        int 0x10
        PRINT done
        EXIT

starting db "ROMVAULT VGA", 13, 10, "$"
done db "ROMVAULT VGA DONE", 13, 10, "$"

PROGRAM_END
