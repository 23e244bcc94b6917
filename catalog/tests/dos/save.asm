; A game's save file: the first run finds no SAVE.DAT and writes one; a later run finds it and
; prints what it holds.
%include "dos.inc"

start:
        push cs
        pop ds
        mov dx, filename
        mov ax, 0x3D00                  ; open for reading
        int 0x21
        jc .write
        mov bx, ax
        mov ah, 0x3F                    ; read up to the buffer's size
        mov cx, BUFFER_SIZE
        mov dx, buffer
        int 0x21
        jc .failed
        mov si, ax
        mov byte [buffer + si], "$"
        mov ah, 0x3E                    ; close
        int 0x21
        PRINT found
        PRINT buffer
        PRINT newline
        EXIT
.write:
        PRINT missing
        mov ah, 0x3C                    ; create, plain attributes
        xor cx, cx
        mov dx, filename
        int 0x21
        jc .failed
        mov bx, ax
        mov ah, 0x40                    ; write
        mov cx, contents_size
        mov dx, contents
        int 0x21
        jc .failed
        mov ah, 0x3E
        int 0x21
        PRINT written
        EXIT
.failed:
        PRINT failed
        mov ax, 0x4C01
        int 0x21

filename db "SAVE.DAT", 0
contents db "LEVEL 7, 1234 GOLD"
contents_size equ $ - contents
found db "SAVE FOUND: $"
missing db "NO SAVE, WRITING", 13, 10, "$"
written db "SAVE WRITTEN", 13, 10, "$"
failed db "SAVE FAILED", 13, 10, "$"
newline db 13, 10, "$"
BUFFER_SIZE equ 64
buffer times BUFFER_SIZE + 1 db 0

PROGRAM_END
