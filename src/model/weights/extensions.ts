/**
 * The file endings people use for weights: the explorer menus and the file pickers offer these (`.pth.tar` ends in
 * `.tar`, which is its resourceExtname). The format itself is always recognised from the content, never the ending.
 * A module of its own so that the extension host can import it without the readers.
 */
export const CHECKPOINT_FILE_EXTENSIONS = ['pth', 'pt', 'tar', 'ckpt', 'bin', 'safetensors'] as const;
