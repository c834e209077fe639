package io.choreoscope.architecture;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What a compiled class names, read from its constant pool (JVMS 4.4): every UTF-8 entry (class names,
 * descriptors and signatures name the packages the class depends on) and the string constants (literals, and
 * the recipes of {@code +} concatenation, which carry the literal parts).
 *
 * @param name    the class's file name relative to its classes directory, e.g. {@code io/choreoscope/ui/UiServer.class}
 * @param utf8    every UTF-8 constant
 * @param strings every string constant
 */
record ClassFile(String name, List<String> utf8, List<String> strings) {

    /** Reads a class file; throws {@link IOException} when it is not one. */
    static ClassFile read(String name, InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        if (data.readInt() != 0xCAFEBABE) {
            throw new IOException(name + " is not a class file");
        }
        data.readUnsignedShort(); // minor
        data.readUnsignedShort(); // major
        int count = data.readUnsignedShort();
        String[] utf8 = new String[count];
        List<Integer> stringRefs = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            int tag = data.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = data.readUTF();
                case 3, 4 -> data.readInt();
                case 5, 6 -> {
                    data.readLong();
                    i++; // eight-byte constants take two slots
                }
                case 7, 16, 19, 20 -> data.readUnsignedShort();
                case 8 -> stringRefs.add(data.readUnsignedShort());
                case 9, 10, 11, 12, 17, 18 -> data.readInt();
                case 15 -> {
                    data.readUnsignedByte();
                    data.readUnsignedShort();
                }
                default -> throw new IOException(name + ": unknown constant pool tag " + tag + " at entry " + i);
            }
        }
        List<String> all = new ArrayList<>();
        for (String s : utf8) {
            if (s != null) {
                all.add(s);
            }
        }
        List<String> strings = new ArrayList<>();
        for (int ref : stringRefs) {
            strings.add(utf8[ref]);
        }
        return new ClassFile(name, all, strings);
    }

    /** Whether the class refers to anything in a package starting with {@code prefix} (slashes, e.g. {@code com/vaadin/}). */
    boolean refersTo(String prefix) {
        for (String s : utf8) {
            if (s.startsWith(prefix) || s.contains("L" + prefix)) {
                return true;
            }
        }
        return false;
    }
}
