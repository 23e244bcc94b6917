; The boot sector of a 1.44 MB floppy, as booter games have: its BIOS parameter block (the FAT12
; layout DOS reads) and a program the BIOS runs with no DOS at all: VGA mode 13h filled with a
; known colour (palette entry 2 set to 10, 63, 20 of 63: a green no default entry has), forever.
bits 16
cpu 8086
        org 0x7C00

COLOUR equ 2

        jmp short start
        nop
        db "ROMVAULT"                   ; OEM name
        dw 512                          ; bytes a sector
        db 1                            ; sectors a cluster
        dw 1                            ; reserved sectors: this one
        db 2                            ; FATs
        dw 224                          ; root directory entries
        dw 2880                         ; sectors
        db 0xF0                         ; media: 3.5" 1.44 MB
        dw 9                            ; sectors a FAT
        dw 18                           ; sectors a track
        dw 2                            ; heads
        dd 0                            ; hidden sectors
        dd 0                            ; sectors, when more than 65535
        db 0                            ; BIOS drive
        db 0
        db 0x29                         ; extended boot signature: the next three fields
        dd 0x1995ABCD                   ; volume serial number
        db "ROMVAULT   "                ; volume label, 11 bytes
        db "FAT12   "                   ; file system, 8 bytes

start:
        cli
        xor ax, ax
        mov ss, ax
        mov sp, 0x7C00
        sti
        mov ax, 0x0013
        int 0x10
        mov dx, 0x3C8
        mov al, COLOUR
        out dx, al
        inc dx
        mov al, 10
        out dx, al
        mov al, 63
        out dx, al
        mov al, 20
        out dx, al
        mov ax, 0xA000
        mov es, ax
        xor di, di
        mov ax, COLOUR * 0x0101
        mov cx, 320 * 200 / 2
        cld
        rep stosw
.idle:
        hlt
        jmp .idle

        times 510 - ($ - $$) db 0
        dw 0xAA55
